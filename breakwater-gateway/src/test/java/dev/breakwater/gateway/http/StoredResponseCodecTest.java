package dev.breakwater.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

/** The stored-response codec; the refusals came from StoredResponseCodecFuzzTest. */
class StoredResponseCodecTest {
  private static final StoredResponseCodec CODEC = StoredResponseCodec.INSTANCE;

  @Test
  void aStoredResponseComesBackWithItsStatusHeadersAndBody() {
    MultiMap h = MultiMap.caseInsensitiveMultiMap().add("Content-Type", "application/json").add("X-A", "é");
    UpstreamResponse back = CODEC.decode(CODEC.encode(new UpstreamResponse(201, h, Buffer.buffer("{}"))));
    assertThat(back.status()).isEqualTo(201);
    assertThat(pairs(back.headers())).isEqualTo(pairs(h));
    assertThat(back.body().toString()).isEqualTo("{}");
  }

  @Test
  void bytesTooShortForAStatusAreRefusedAsNotAStoredResponse() {
    assertThatThrownBy(() -> CODEC.decode(new byte[0])).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("stored response");
  }

  @Test
  void aHeaderLengthPastTheEndIsRefused() {
    byte[] bytes = Buffer.buffer().appendInt(200).appendInt(1).appendInt(1_000_000).appendString("k").getBytes();
    assertThatThrownBy(() -> CODEC.decode(bytes)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("stored response");
  }

  @Test
  void aNegativeHeaderLengthIsRefused() {
    byte[] bytes = Buffer.buffer().appendInt(200).appendInt(3).appendInt(-4).appendInt(0).getBytes();
    assertThatThrownBy(() -> CODEC.decode(bytes)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("stored response");
  }

  @Test
  void aHeaderCountLargerThanTheBytesCanHoldIsRefusedBeforeReadingOn() {
    byte[] bytes = Buffer.buffer().appendInt(200).appendInt(Integer.MAX_VALUE).getBytes();
    assertThatThrownBy(() -> CODEC.decode(bytes)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("stored response");
  }

  @Test
  void aStatusOutsideHttpsRangeIsRefused() {
    byte[] bytes = Buffer.buffer().appendInt(-1).appendInt(0).getBytes();
    assertThatThrownBy(() -> CODEC.decode(bytes)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("stored response");
  }

  private static java.util.List<String> pairs(MultiMap headers) {
    return headers.entries().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
  }
}
