package dev.breakwater.gateway.proxy;

import dev.breakwater.ErrorCode;
import dev.breakwater.gateway.config.RouteConfig;
import dev.breakwater.gateway.http.Problem;
import dev.breakwater.gateway.response.ProblemWriter;
import dev.breakwater.gateway.runtime.RouteRuntime;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/**
 * Step 3, identity: tenant and user from the configured headers, or from a bearer JWT verified against the JWKS
 * (asynchronously: the key set may need a fetch). A request without a valid token is answered 401 here.
 */
final class Identity {
  /** What runs once the caller is known (tenant and user may be null: the request checks decide). */
  @FunctionalInterface
  interface Next {
    /** Continues with the request of a known caller. */
    void proceed(RouteRuntime rt, HttpServerRequest req, String cid, RouteConfig r, String resource, String tenant,
        String user);
  }

  private final Vertx vertx;
  private final Next next;

  Identity(Vertx vertx, Next next) {
    this.vertx = vertx;
    this.next = next;
  }

  /** Finds the caller of {@code req} and hands the request on, or answers 401. */
  void resolve(RouteRuntime rt, HttpServerRequest req, String cid, RouteConfig r, String resource) {
    HttpServerResponse res = req.response();
    if (rt.jwt() == null) {
      next.proceed(rt, req, cid, r, resource, req.getHeader(rt.config().identity().tenantHeader()),
          req.getHeader(rt.config().identity().userHeader()));
      return;
    }
    String auth = req.getHeader("Authorization");
    if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      res.putHeader("WWW-Authenticate", "Bearer");
      ProblemWriter.reply(res, cid, Problem.render(ErrorCode.AUTH_REQUIRED, 401, "a bearer token is required", -1,
          cid), false);
      return;
    }
    io.vertx.core.Context context = vertx.getOrCreateContext();
    req.pause(); // hold the body until the token is verified (the JWKS may need a fetch)
    rt.jwt().verify(auth.substring(7).trim()).whenComplete((id, e) -> context.runOnContext(v -> {
      req.resume();
      if (e != null) {
        Throwable c = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
        res.putHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"");
        ProblemWriter.reply(res, cid, Problem.render(ErrorCode.AUTH_REQUIRED, 401, "invalid token: "
            + c.getMessage(), -1, cid), false);
      } else {
        next.proceed(rt, req, cid, r, resource, id.tenant(), id.user());
      }
    }));
  }
}
