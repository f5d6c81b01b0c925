package dev.breakwater.gateway.http;

import dev.breakwater.redis.ValueCodec;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** Encodes a buffered response for Redis (idempotent replays, the L2 cache): status, headers, body. */
public enum StoredResponseCodec implements ValueCodec<UpstreamResponse> {
  /** The one codec. */
  INSTANCE;

  @Override
  public byte[] encode(UpstreamResponse r) {
    if (r.streamed()) {
      throw new IllegalStateException("a streamed response cannot be stored; the gateway buffers what it stores");
    }
    Buffer b = Buffer.buffer().appendInt(r.status());
    List<Map.Entry<String, String>> entries = r.headers().entries();
    b.appendInt(entries.size());
    for (Map.Entry<String, String> e : entries) {
      byte[] k = e.getKey().getBytes(StandardCharsets.UTF_8);
      byte[] v = e.getValue().getBytes(StandardCharsets.UTF_8);
      b.appendInt(k.length).appendBytes(k).appendInt(v.length).appendBytes(v);
    }
    return b.appendBuffer(r.body()).getBytes();
  }

  /**
   * Decodes what {@link #encode} wrote; anything else (a damaged value, another writer's value under the key) is
   * refused with {@link IllegalArgumentException} before any allocation sized by its length fields.
   */
  @Override
  public UpstreamResponse decode(byte[] bytes) {
    Reader in = new Reader(bytes);
    int status = in.integer("status");
    if (status < 100 || status > 999) {
      throw new IllegalArgumentException("stored response: status " + status + " (expected: 100 to 999)");
    }
    int n = in.integer("header count");
    // Each header takes at least its two length fields: a larger count cannot be true.
    if (n < 0 || n > in.left() / 8) {
      throw new IllegalArgumentException("stored response: " + n + " headers in " + bytes.length + " bytes");
    }
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    for (int i = 0; i < n; i++) {
      String k = in.string("header name");
      headers.add(k, in.string("header value"));
    }
    return new UpstreamResponse(status, headers, Buffer.buffer(in.rest()));
  }

  /** Reads length-prefixed fields, refusing any that runs past the end. */
  private static final class Reader {
    private final byte[] bytes;
    private int pos;

    Reader(byte[] bytes) {
      this.bytes = bytes;
    }

    int left() {
      return bytes.length - pos;
    }

    int integer(String what) {
      if (left() < 4) {
        throw new IllegalArgumentException("stored response: " + what + " missing after byte " + pos);
      }
      int v = ((bytes[pos] & 0xff) << 24) | ((bytes[pos + 1] & 0xff) << 16) | ((bytes[pos + 2] & 0xff) << 8)
          | (bytes[pos + 3] & 0xff);
      pos += 4;
      return v;
    }

    String string(String what) {
      int length = integer(what + " length");
      if (length < 0 || length > left()) {
        throw new IllegalArgumentException("stored response: " + what + " of " + length + " bytes at byte " + pos
            + " of " + bytes.length);
      }
      String s = new String(bytes, pos, length, StandardCharsets.UTF_8);
      pos += length;
      return s;
    }

    byte[] rest() {
      return java.util.Arrays.copyOfRange(bytes, pos, bytes.length);
    }
  }
}
