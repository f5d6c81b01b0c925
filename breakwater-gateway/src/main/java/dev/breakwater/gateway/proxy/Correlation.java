package dev.breakwater.gateway.proxy;

import dev.breakwater.CorrelationIds;
import dev.breakwater.gateway.http.CorrelationId;
import io.vertx.core.http.HttpServerRequest;

/** Step 1, the correlation id: the caller's, else its W3C trace id, else a new one; and the traceparent sent on. */
final class Correlation {
  /** The header that carries the correlation id both ways. */
  static final String HEADER = "X-Correlation-Id";

  private Correlation() {}

  /** The correlation id of a request. */
  static String id(HttpServerRequest req) {
    return CorrelationId.of(req.getHeader(HEADER), req.getHeader("traceparent"));
  }

  /** A W3C traceparent whose trace id is the correlation id (for a caller that sent none). */
  static String traceparent(String cid) {
    return "00-" + cid32(cid) + "-" + CorrelationIds.correlationId().substring(0, 16) + "-01";
  }

  private static String cid32(String cid) {
    char[] out = new char[32];
    int n = 0;
    for (int i = 0; i < cid.length() && n < 32; i++) {
      char c = cid.charAt(i);
      if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) {
        out[n++] = c;
      }
    }
    while (n < 32) {
      out[n++] = '0';
    }
    return new String(out);
  }
}
