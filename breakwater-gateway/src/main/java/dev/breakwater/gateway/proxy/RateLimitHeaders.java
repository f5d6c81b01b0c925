package dev.breakwater.gateway.proxy;

import dev.breakwater.BreakwaterException;
import dev.breakwater.CallContext;
import dev.breakwater.ErrorCode;
import dev.breakwater.classify.Classifier;
import dev.breakwater.gateway.config.RouteConfig;
import dev.breakwater.gateway.http.RateLimitFields;
import dev.breakwater.gateway.runtime.RouteRuntime;
import io.vertx.core.http.HttpServerResponse;

/**
 * Step 7, part of the answer: the IETF httpapi RateLimit headers of a rate-limited route. {@code RateLimit-Policy}
 * names every limit with its quota and window; {@code RateLimit} gives the remaining tokens and the reset time of the
 * limit closest to running out, when the store can tell without a round trip (or from the denial itself).
 */
final class RateLimitHeaders {
  private RateLimitHeaders() {}

  /** Puts the headers on {@code res} unless its head is already out; {@code error} is the call's failure, if any. */
  static void write(RouteRuntime rt, RouteConfig r, CallContext ctx, HttpServerResponse res, Throwable error) {
    if (r.rateLimits().isEmpty() || res.ended() || res.closed() || res.headWritten()) {
      return;
    }
    dev.breakwater.ratelimit.RateLimitQuota tightest = null;
    String tightestName = null;
    for (String name : r.rateLimits()) {
      dev.breakwater.ratelimit.RateLimitConfig l = rt.config().policies().rateLimit(name);
      dev.breakwater.ratelimit.RateLimitQuota q = rt.stores().rateLimits().peek(l, l.scope().key(ctx));
      if (q != null && (tightest == null || q.remaining() < tightest.remaining())) {
        tightest = q;
        tightestName = name;
      }
    }
    res.putHeader("RateLimit-Policy", rt.rateLimitPolicy(r.name()));
    Throwable c = error == null ? null : Classifier.unwrap(error);
    BreakwaterException b = c instanceof BreakwaterException ? (BreakwaterException) c : null;
    if (b != null && b.code() == ErrorCode.RATE_LIMITED && b.limit().isPresent()) {
      res.putHeader("RateLimit", RateLimitFields.remaining(b.limit().get(), 0,
          b.retryAfter().map(java.time.Duration::getSeconds).orElse(1L)));
    } else if (tightest != null) {
      res.putHeader("RateLimit", RateLimitFields.remaining(tightestName, tightest.remaining(),
          tightest.resetSeconds()));
    }
  }
}
