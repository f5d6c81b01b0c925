package dev.breakwater.gateway.http;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.util.Locale;

/**
 * An upstream's answer, buffered: status, headers and body. Buffered because a retry, an idempotent replay or a cache
 * entry needs the whole answer; the body is bounded by the server's limit.
 *
 * @param status  the HTTP status
 * @param headers the response headers (hop-by-hop ones are stripped when relayed)
 * @param body    the body
 */
public record UpstreamResponse(int status, MultiMap headers, Buffer body) {

  /** A header's first value, or null. */
  public String header(String name) {
    return headers.get(name);
  }

  /** Whether the upstream forbids storing this response in a shared or private cache. */
  public boolean cacheable() {
    String cc = headers.get("Cache-Control");
    if (status != 200) {
      return false;
    }
    if (cc == null) {
      return true;
    }
    String c = cc.toLowerCase(Locale.ROOT);
    return !c.contains("no-store") && !c.contains("private") && !c.contains("no-cache");
  }
}
