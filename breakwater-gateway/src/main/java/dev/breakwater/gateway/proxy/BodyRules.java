package dev.breakwater.gateway.proxy;

import dev.breakwater.gateway.runtime.RouteRuntime;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;

/** Step 4, the body's part of the request checks: its declared length, the stream-or-buffer rule, JSON syntax. */
final class BodyRules {
  private static final com.fasterxml.jackson.core.JsonFactory JSON = new com.fasterxml.jackson.core.JsonFactory();

  private BodyRules() {}

  /**
   * Whether a request body goes to the upstream as it arrives instead of being read first: a body larger than
   * {@code server.bufferBodyBytes} (or of unknown length) that nothing needs whole — no Idempotency-Key (its
   * fingerprint hashes the body), not JSON (checked before the call). Its call is then not retried.
   */
  static boolean streamsBody(RouteRuntime rt, HttpServerRequest req, String idemKey, long declared) {
    if (idemKey != null) {
      return false;
    }
    // Unknown length: chunked on HTTP/1.1. (An HTTP/2 body without a length is read whole: at the headers, Vert.x
    // cannot yet tell a request with a body from one without.)
    boolean chunked = declared < 0 && req.getHeader("Transfer-Encoding") != null;
    if (declared <= rt.config().server().bufferBodyBytes() && !chunked) {
      return false;
    }
    return !isJson(req.getHeader("Content-Type"));
  }

  /** Whether a Content-Type says JSON ({@code application/json}, {@code application/problem+json}, ...). */
  private static boolean isJson(String contentType) {
    return contentType != null && contentType.toLowerCase(java.util.Locale.ROOT).contains("json");
  }

  /**
   * Why a body that says it is JSON is not, or null when it is (or says it is something else). Checked here so that
   * a malformed body costs the upstream nothing and the caller a clear 400 instead of the upstream's own wording.
   */
  static String malformedJson(String contentType, Buffer body) {
    if (!isJson(contentType) || body.length() == 0) {
      return null;
    }
    try (com.fasterxml.jackson.core.JsonParser p = JSON.createParser(body.getBytes())) {
      while (p.nextToken() != null) {
        p.skipChildren();
      }
      return null;
    } catch (java.io.IOException e) {
      String m = e.getMessage();
      int cut = m == null ? -1 : m.indexOf('\n');
      return cut < 0 ? String.valueOf(m) : m.substring(0, cut);
    }
  }

  /** A {@code Content-Length} value as a number, -1 when absent or not one. */
  static long declaredLength(String s) {
    if (s == null) {
      return -1;
    }
    try {
      return Long.parseLong(s.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
