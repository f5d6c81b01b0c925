package dev.breakwater.gateway.proxy;

import dev.breakwater.BreakwaterException;
import dev.breakwater.CallContext;
import dev.breakwater.CallResult;
import dev.breakwater.ErrorCode;
import dev.breakwater.Pipeline;
import dev.breakwater.classify.Classifier;
import dev.breakwater.classify.Failures;
import dev.breakwater.control.Arm;
import dev.breakwater.gateway.config.RouteConfig;
import dev.breakwater.gateway.fault.FaultInjector;
import dev.breakwater.gateway.http.Problem;
import dev.breakwater.gateway.http.RequestBody;
import dev.breakwater.gateway.http.UpstreamResponse;
import dev.breakwater.gateway.response.ProblemWriter;
import dev.breakwater.gateway.response.ResponseRelay;
import dev.breakwater.gateway.runtime.RouteRuntime;
import dev.breakwater.gateway.upstream.UpstreamCall;
import dev.breakwater.gateway.upstream.UpstreamClients;
import io.opentelemetry.context.Scope;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Steps 5 to 7 of a checked request: its call context, its arm (kill switch and rollout), the route's pipeline
 * (cached or not, or the pass-through one), the upstream attempt the pipeline runs, and the answer — relayed, or a
 * problem — with the RateLimit headers; then the request meters, by arm.
 */
final class Forwarder {
  private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

  private final Runnable onClientGone;
  private final Tracing tracing;
  private final FaultInjector faults;

  /**
   * {@code onClientGone} counts callers that left before their answer was written; {@code tracing} the spans;
   * {@code faults} stands between the pipeline and the upstream, where a drill's fault looks like the upstream's.
   */
  Forwarder(Runnable onClientGone, Tracing tracing, FaultInjector faults) {
    this.onClientGone = onClientGone;
    this.tracing = tracing;
    this.faults = faults;
  }

  /** Sends a checked request through its route's pipeline and answers it; completes once the answer is written. */
  CompletableFuture<Void> forwardThroughPipeline(RouteRuntime rt, RouteConfig r, HttpServerRequest req,
      String resource, RequestBody body, String cid, String tenant, String user, String idemKey) {
    // resource: the normalised target the route was matched on, so the route and the upstream see one path.
    long start = System.nanoTime();
    HttpServerResponse res = req.response();
    CallContext ctx = CallContexts.of(rt, r, req, body, resource, cid, tenant, user, idemKey);
    Arm arm = RolloutArm.of(rt, r, ctx.tenant());
    boolean resilient = arm == Arm.RESILIENT;
    Pipeline<UpstreamResponse> pipeline = RolloutArm.pipeline(rt, r, req.getHeader("Authorization") != null);
    MultiMap headers = ForwardedHeaders.of(req, cid);
    UpstreamClients upstream = rt.upstream(r.upstream());
    // Another endpoint may take the call after a 5xx or a broken connection only where a retry could have.
    // The call's kind already says whether the upstream deduplicates a keyed write (CallContexts).
    UpstreamCall call = new UpstreamCall(body.stream() == null && ctx.kind().retryable(false), ctx.tenant());
    // The body is kept whole only where a store needs it: an idempotent replay, or a cache entry.
    boolean buffer = resilient && (idemKey != null || (r.cache() != null && pipeline == rt.pipeline(r.name())));
    long maxBody = rt.config().server().maxBodyBytes();
    // The outcome may complete on any thread (a Redis client's, a timer's): the relay answers on this request's loop,
    // and the upstream call runs there too, so that a streamed answer is piped within one thread.
    ResponseRelay relay = ResponseRelay.of(req, cid, onClientGone);
    io.vertx.core.Context loop = relay.context();
    CompletionStage<CallResult<UpstreamResponse>> outcome;
    // The engine captures the span current here and keeps it current wherever the call continues (the tracing
    // listener is its context carrier): attempts and retries are recorded under the request's span.
    try (Scope traced = tracing.enter(req, r.name(), headers)) {
      Supplier<CompletableFuture<UpstreamResponse>> send = () -> upstream.send(loop, call, req.method(), resource,
          headers, body, buffer, maxBody);
      if (faults.armed()) {
        send = faults.around(r.name(), r.upstream(), ctx.tenant(), req.headers()::get, () -> readAway(loop, body),
            send);
      }
      outcome = pipeline.executeAsyncForResult(ctx, send);
    }
    return relay.answer(outcome, resilient ? rt.deadlineMillis(r.name()) : 0, (result, error) -> {
          if (resilient) {
            RateLimitHeaders.write(rt, r, ctx, res, error);
          }
          if (error == null) {
            return rt.invalidation().thenAnswer(r, req.method().name(), result.value().status(), ctx.tenant(),
                ctx.user(), loop, () -> relay.relay(result));
          } else if (body.stream() != null && body.stream().exceeded()) {
            ProblemWriter.bodyTooLarge(req, cid, rt.config().server().maxBodyBytes());
          } else {
            Throwable c = Classifier.unwrap(error);
            BreakwaterException b = c instanceof BreakwaterException ? (BreakwaterException) c
                : new BreakwaterException(ErrorCode.UPSTREAM_ERROR, Failures.describe(c), null, cid, c);
            // A refused streamed body was never read: close the connection rather than leave it half-read.
            ProblemWriter.reply(res, cid, Problem.of(b, cid), body.stream() != null && ProblemWriter.http1(req));
          }
          return DONE;
        }).whenComplete((x, e) -> rt.requestMeters().record(r.name(), arm, res.getStatusCode(),
            System.nanoTime() - start));
  }

  /** Reads a streamed request body away, unused, on the request's loop (a whole body is read already). */
  private static void readAway(io.vertx.core.Context loop, RequestBody body) {
    if (body.stream() != null) {
      loop.runOnContext(v -> body.stream().exceptionHandler(e -> { }).endHandler(e -> { }).handler(b -> { })
          .resume());
    }
  }
}
