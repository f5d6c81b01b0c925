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

  @Override
  public UpstreamResponse decode(byte[] bytes) {
    Buffer b = Buffer.buffer(bytes);
    int pos = 0;
    int status = b.getInt(pos);
    int n = b.getInt(pos += 4);
    pos += 4;
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    for (int i = 0; i < n; i++) {
      int kl = b.getInt(pos);
      String k = b.getString(pos + 4, pos + 4 + kl, "UTF-8");
      pos += 4 + kl;
      int vl = b.getInt(pos);
      String v = b.getString(pos + 4, pos + 4 + vl, "UTF-8");
      pos += 4 + vl;
      headers.add(k, v);
    }
    return new UpstreamResponse(status, headers, b.getBuffer(pos, b.length()));
  }
}
