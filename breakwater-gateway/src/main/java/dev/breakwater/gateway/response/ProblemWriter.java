package dev.breakwater.gateway.response;

import dev.breakwater.ErrorCode;
import dev.breakwater.gateway.http.Problem;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/** The gateway's problem+json answers outside a relayed call: refused requests, admin errors, bodies over the bound. */
public final class ProblemWriter {
  private ProblemWriter() {}

  /** Writes a problem+json answer with its correlation id and, on 429/503, Retry-After. */
  public static void reply(HttpServerResponse res, String cid, Problem.Rendered p, boolean close) {
    ResponseRelay.problem(res, cid, p, close);
  }

  /** The 413 of a request body over {@code max} bytes; the connection closes, as the body was not read. */
  public static void bodyTooLarge(HttpServerRequest req, String cid, long max) {
    reply(req.response(), cid, Problem.render(ErrorCode.INVALID_REQUEST, 413, "request body larger than " + max
        + " bytes", -1, cid), http1(req));
  }

  /** Whether a response may ask to close the connection: HTTP/2 forbids the Connection header. */
  public static boolean http1(HttpServerRequest req) {
    return req.version() != io.vertx.core.http.HttpVersion.HTTP_2;
  }
}
