package dev.breakwater.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Fuzzes the JSON body check ({@link Gateway#malformedJson}): any body either passes (and then is JSON a full parser
 * reads) or gets one line saying why it is not (and then a full parser rejects it too), never an exception.
 */
class JsonBodyCheckFuzzTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** Any body is passed exactly when a full JSON parser reads it, and refused with a one-line reason otherwise. */
  @FuzzTest
  void anyBodyPassesExactlyWhenItIsJson(byte[] body) {
    String why = BodyRules.malformedJson("application/json; charset=utf-8", Buffer.buffer(body));
    if (why == null) {
      assertThatCode(() -> readAll(body)).as("the check passed it").doesNotThrowAnyException();
    } else {
      assertThat(why).doesNotContain("\n");
      if (!new String(body, StandardCharsets.ISO_8859_1).contains("com.fasterxml")) {
        assertThat(why).doesNotContain("com.fasterxml");
      }
      assertThatThrownBy(() -> readAll(body)).as("the check refused it: %s", why).isInstanceOf(IOException.class);
    }
  }

  /** Builds a tree of every root value; not MappingIterator, which ends quietly at trailing garbage. */
  private static void readAll(byte[] body) throws IOException {
    try (JsonParser p = MAPPER.getFactory().createParser(body)) {
      while (p.nextToken() != null) {
        MAPPER.readTree(p);
      }
    }
  }
}
