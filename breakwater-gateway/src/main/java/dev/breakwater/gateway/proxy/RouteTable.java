package dev.breakwater.gateway.proxy;

import dev.breakwater.ErrorCode;
import dev.breakwater.gateway.config.RouteConfig;
import dev.breakwater.gateway.http.Problem;
import dev.breakwater.gateway.response.ProblemWriter;
import dev.breakwater.gateway.runtime.RouteRuntime;
import io.vertx.core.http.HttpServerRequest;
import java.util.Optional;

/** Step 2, the route: the first route of the config that matches the method and the normalised path. */
final class RouteTable {
  private RouteTable() {}

  /** The route of a request, or null once the caller has been answered 404. */
  static RouteConfig match(RouteRuntime rt, HttpServerRequest req, String path, String cid) {
    Optional<RouteConfig> route = rt.config().route(req.method().name(), path);
    if (route.isEmpty()) {
      ProblemWriter.reply(req.response(), cid, Problem.render(ErrorCode.INVALID_REQUEST, 404, "no route for "
          + req.method() + " " + path, -1, cid), false);
      return null;
    }
    return route.get();
  }
}
