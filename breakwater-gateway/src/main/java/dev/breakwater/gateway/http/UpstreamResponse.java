package dev.breakwater.gateway.http;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import java.util.Locale;

/**
 * An upstream's answer: status, headers, and either the whole body (buffered, because an idempotent replay, a cache
 * entry or an error page needs it; bounded by the server's body limit) or the upstream response itself, paused, for
 * the gateway to stream to its caller.
 *
 * @param status  the HTTP status
 * @param headers the response headers (hop-by-hop ones are stripped when relayed)
 * @param body    the body, or null when it is streamed
 * @param stream  the paused upstream response to stream, or null when the body is buffered
 */
public record UpstreamResponse(int status, MultiMap headers, Buffer body, HttpClientResponse stream) {

  /** A buffered answer. */
  public UpstreamResponse(int status, MultiMap headers, Buffer body) {
    this(status, headers, body, null);
  }

  /** Whether the body is still upstream, to be streamed. */
  public boolean streamed() {
    return stream != null;
  }

  /** A header's first value, or null. */
  public String header(String name) {
    return headers.get(name);
  }

  /** Whether this answer may be stored: a whole 200 whose Cache-Control does not forbid it. */
  public boolean cacheable() {
    if (status != 200 || stream != null) {
      return false;
    }
    String cc = headers.get("Cache-Control");
    if (cc == null) {
      return true;
    }
    String c = cc.toLowerCase(Locale.ROOT);
    return !c.contains("no-store") && !c.contains("private") && !c.contains("no-cache");
  }
}
