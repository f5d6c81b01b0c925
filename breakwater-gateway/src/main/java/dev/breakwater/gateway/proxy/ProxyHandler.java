package dev.breakwater.gateway.proxy;

import dev.breakwater.CorrelationIds;
import dev.breakwater.ErrorCode;
import dev.breakwater.gateway.config.RouteConfig;
import dev.breakwater.gateway.fault.FaultInjector;
import dev.breakwater.gateway.http.BoundedReadStream;
import dev.breakwater.gateway.http.CallerTimeout;
import dev.breakwater.gateway.http.IdempotencyHeader;
import dev.breakwater.gateway.http.Problem;
import dev.breakwater.gateway.http.RequestBody;
import dev.breakwater.gateway.intake.RequestChecks;
import dev.breakwater.gateway.intake.RequestRejected;
import dev.breakwater.gateway.intake.RequestTarget;
import dev.breakwater.gateway.response.ProblemWriter;
import dev.breakwater.gateway.runtime.RouteRuntime;
import io.opentelemetry.api.OpenTelemetry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The proxy listener's request handler: the order of the steps a request goes through (docs/gateway.md, "What a
 * request goes through") — correlation, route, identity, request checks, body read or stream, then the pipeline, the
 * upstream and the answer. It counts the calls in flight and refuses new requests once the gateway drains.
 */
public final class ProxyHandler {
  private static final String IDEMPOTENCY_HEADER = "Idempotency-Key";

  private final AtomicReference<RouteRuntime> runtime;
  private final Identity identity;
  private final Forwarder forwarder;
  private final Tracing tracing;
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile boolean draining;

  /**
   * A handler serving with whatever runtime {@code runtime} holds at each request (a reload swaps it);
   * {@code onClientGone} counts callers that left before their answer was written; {@code openTelemetry} traces each
   * request (null: no tracing); {@code faults} injects the drills' faults into upstream attempts.
   */
  public ProxyHandler(AtomicReference<RouteRuntime> runtime, Vertx vertx, Runnable onClientGone,
      OpenTelemetry openTelemetry, FaultInjector faults) {
    this.runtime = runtime;
    this.identity = new Identity(vertx, this::proceed);
    this.tracing = openTelemetry == null ? Tracing.OFF : new Tracing(openTelemetry);
    this.forwarder = new Forwarder(onClientGone, tracing, faults);
  }

  /** From now on, new requests are answered 503 {@code MAINTENANCE}. */
  public void drain() {
    draining = true;
  }

  /** Whether the gateway is draining for shutdown. */
  public boolean draining() {
    return draining;
  }

  /** How many calls are in flight (from the body read to the last byte of the answer). */
  public int inFlight() {
    return inFlight.get();
  }

  /** Answers a request Vert.x could not decode. */
  public void invalidRequest(HttpServerRequest req) {
    // Vert.x calls this for requests it could not decode. The intake's decoder has put the failure in words; Vert.x
    // closes the connection after the answer, and the decoder has discarded whatever followed the bad head.
    String cid = CorrelationIds.correlationId();
    RequestRejected why = RequestRejected.from(req.decoderResult().cause());
    ProblemWriter.reply(req.response(), cid, Problem.render(ErrorCode.INVALID_REQUEST, why.status(), why.getMessage(),
        -1, cid), ProblemWriter.http1(req));
  }

  /** Handles one proxied request. */
  public void handle(HttpServerRequest req) {
    RouteRuntime rt = runtime.get();
    String cid = Correlation.id(req);
    HttpServerResponse res = req.response();
    res.putHeader(Correlation.HEADER, cid);
    tracing.start(req, cid);
    if (draining) {
      ProblemWriter.reply(res, cid, Problem.of(ErrorCode.MAINTENANCE, "the gateway is shutting down", 1, cid),
          ProblemWriter.http1(req));
      return;
    }
    RequestTarget target = RequestChecks.check(req);
    if (!target.valid()) {
      ProblemWriter.reply(res, cid, Problem.of(ErrorCode.INVALID_REQUEST, target.problem(), -1, cid), false);
      return;
    }
    String path = target.path(); // normalised: the route match and the forwarded resource agree
    RouteConfig r = RouteTable.match(rt, req, path, cid);
    if (r != null) {
      identity.resolve(rt, req, cid, r, target.resource());
    }
  }

  /** The request checks of a known caller, then the body (read whole or streamed) and the call. */
  private void proceed(RouteRuntime rt, HttpServerRequest req, String cid, RouteConfig r, String resource,
      String tenant, String user) {
    HttpServerResponse res = req.response();
    if (tenant == null || tenant.isBlank()) {
      tenant = r.defaultTenant();
      if (tenant == null && r.tenantRequired()) {
        ProblemWriter.reply(res, cid, Problem.of(ErrorCode.INVALID_REQUEST, "missing tenant: header "
            + rt.config().identity().tenantHeader() + " is required on this route", -1, cid), false);
        return;
      }
    }
    if (CallerTimeout.parse(req.getHeader(CallerTimeout.HEADER)) == Duration.ZERO) {
      ProblemWriter.reply(res, cid, Problem.of(ErrorCode.INVALID_REQUEST, CallerTimeout.HEADER + ": expected "
          + CallerTimeout.EXPECTED, -1, cid), false);
      return;
    }
    String idemKey = req.getHeader(IDEMPOTENCY_HEADER);
    int maxKey = IdempotencyHeader.maxLength(rt.idempotencyOf(r));
    if (idemKey != null && !IdempotencyHeader.valid(idemKey, maxKey)) {
      ProblemWriter.reply(res, cid, Problem.of(ErrorCode.INVALID_REQUEST, "Idempotency-Key: expected 1 to " + maxKey
          + " visible ASCII characters", -1, cid), false);
      return;
    }
    long max = rt.config().server().maxBodyBytes();
    long declared = BodyRules.declaredLength(req.getHeader("Content-Length"));
    if (declared > max) {
      ProblemWriter.bodyTooLarge(req, cid, max);
      return;
    }
    String t = tenant;
    inFlight.incrementAndGet();
    if (BodyRules.streamsBody(rt, req, idemKey, declared)) {
      req.pause(); // the upstream attempt pipes it; until then it waits in the socket, not in memory
      BoundedReadStream body = new BoundedReadStream(req, max);
      forwarder.forwardThroughPipeline(rt, r, req, resource, RequestBody.streamed(body, declared), cid, t, user,
          idemKey)
          .whenComplete((x, e) -> inFlight.decrementAndGet());
      return;
    }
    RequestBody.readWhole(req, max, () -> { }).onComplete(body -> { // past the bound the request is left paused
      if (body.failed()) {
        inFlight.decrementAndGet();
        ProblemWriter.bodyTooLarge(req, cid, max);
        return;
      }
      String malformed = BodyRules.malformedJson(req.getHeader("Content-Type"), body.result());
      if (malformed != null) {
        inFlight.decrementAndGet();
        ProblemWriter.reply(res, cid, Problem.of(ErrorCode.INVALID_REQUEST, "malformed JSON body: " + malformed, -1,
            cid), false);
        return;
      }
      forwarder.forwardThroughPipeline(rt, r, req, resource, RequestBody.whole(body.result()), cid, t, user,
          idemKey)
          .whenComplete((x, e) -> inFlight.decrementAndGet());
    });
  }
}
