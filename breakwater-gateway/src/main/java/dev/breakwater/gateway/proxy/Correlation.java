package dev.breakwater.gateway.proxy;

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
    // One char array, one string: this runs for every request that arrives without a traceparent.
    char[] out = new char[55];
    out[0] = '0';
    out[1] = '0';
    out[2] = '-';
    int n = 3;
    for (int i = 0; i < cid.length() && n < 35; i++) {
      char c = cid.charAt(i);
      if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) {
        out[n++] = c;
      }
    }
    while (n < 35) {
      out[n++] = '0';
    }
    out[35] = '-';
    long span = java.util.concurrent.ThreadLocalRandom.current().nextLong() | 1L; // never the invalid all-zero id
    for (int i = 0; i < 16; i++) {
      out[36 + i] = HEX[(int) (span >>> (60 - 4 * i)) & 0xF];
    }
    out[52] = '-';
    out[53] = '0';
    out[54] = '1';
    return new String(out);
  }

  private static final char[] HEX = "0123456789abcdef".toCharArray();
}
