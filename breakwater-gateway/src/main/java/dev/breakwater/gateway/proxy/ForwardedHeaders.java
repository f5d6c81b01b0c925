package dev.breakwater.gateway.proxy;

import dev.breakwater.gateway.http.HopByHop;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;

/** The headers an upstream gets: the caller's without hop-by-hop ones, plus the correlation id and a traceparent. */
final class ForwardedHeaders {
  private ForwardedHeaders() {}

  /** The headers to send upstream for {@code req}. */
  static MultiMap of(HttpServerRequest req, String cid) {
    MultiMap out = MultiMap.caseInsensitiveMultiMap();
    String connection = req.getHeader("Connection");
    req.headers().forEach((k, v) -> {
      if (!HopByHop.strip(k, connection)) {
        out.add(k, v);
      }
    });
    out.set(Correlation.HEADER, cid);
    if (!out.contains("traceparent")) {
      out.set("traceparent", Correlation.traceparent(cid));
    }
    return out;
  }
}
