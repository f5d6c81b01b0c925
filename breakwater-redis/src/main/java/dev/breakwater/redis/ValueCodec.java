package dev.breakwater.redis;

import java.nio.charset.StandardCharsets;

/**
 * Turns values into bytes for Redis (idempotency records, L2 cache) and back.
 *
 * @param <V> the value type
 */
public interface ValueCodec<V> {

  /** Encodes a value. */
  byte[] encode(V value);

  /** Decodes a value. */
  V decode(byte[] bytes);

  /** UTF-8 strings. */
  static ValueCodec<String> utf8() {
    return new ValueCodec<>() {
      @Override
      public byte[] encode(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
      }

      @Override
      public String decode(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
      }
    };
  }

  /** Raw bytes. */
  static ValueCodec<byte[]> bytes() {
    return new ValueCodec<>() {
      @Override
      public byte[] encode(byte[] value) {
        return value;
      }

      @Override
      public byte[] decode(byte[] bytes) {
        return bytes;
      }
    };
  }
}
