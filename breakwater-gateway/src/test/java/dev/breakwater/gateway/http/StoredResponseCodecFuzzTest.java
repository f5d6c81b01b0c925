package dev.breakwater.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/**
 * Fuzzes the codec of responses stored in Redis: a stored response comes back as it was, and bytes that are not one
 * (a damaged or foreign value under the key) are refused with {@link IllegalArgumentException}, never another
 * exception, a loop or an allocation sized by a length field.
 */
class StoredResponseCodecFuzzTest {

  /** Any bytes decode to a response or are refused; any response survives an encode and decode unchanged. */
  @FuzzTest
  void storedResponsesRoundTripAndGarbageIsRefused(FuzzedDataProvider data) {
    if (data.consumeBoolean()) {
      byte[] bytes = data.consumeRemainingAsBytes();
      try {
        UpstreamResponse r = StoredResponseCodec.INSTANCE.decode(bytes);
        assertThat(r.body().length()).isLessThanOrEqualTo(bytes.length);
      } catch (IllegalArgumentException refused) {
        assertThat(refused.getMessage()).startsWith("stored response");
      }
      return;
    }
    int status = data.consumeInt(100, 599);
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    int n = data.consumeInt(0, 8);
    for (int i = 0; i < n; i++) {
      // Vert.x hands header names and values over as ISO-8859-1 text.
      headers.add(latin1(data.consumeBytes(20)), latin1(data.consumeBytes(40)));
    }
    Buffer body = Buffer.buffer(data.consumeRemainingAsBytes());
    UpstreamResponse back = StoredResponseCodec.INSTANCE.decode(
        StoredResponseCodec.INSTANCE.encode(new UpstreamResponse(status, headers, body)));
    assertThat(back.status()).isEqualTo(status);
    assertThat(pairs(back.headers())).isEqualTo(pairs(headers));
    assertThat(back.body()).isEqualTo(body);
  }

  private static String latin1(byte[] b) {
    return new String(b, StandardCharsets.ISO_8859_1);
  }

  private static java.util.List<String> pairs(MultiMap headers) {
    return headers.entries().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
  }
}
