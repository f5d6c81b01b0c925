package dev.breakwater.gateway.response;

import dev.breakwater.CallResult;
import dev.breakwater.ErrorCode;
import dev.breakwater.Source;
import dev.breakwater.gateway.http.HopByHop;
import dev.breakwater.gateway.http.Problem;
import dev.breakwater.gateway.http.UpstreamResponse;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers one request, exactly once, on the request's own event loop. A pipeline's outcome may complete on any thread
 * (a Redis client's, a timer's, another event loop's): Vert.x's server response and the upstream response it pipes
 * from are not made to be driven from two threads at once, and a write racing the connection's close can release a
 * buffer twice or leave an answer half written. So every write happens here, after a hop to the request's context.
 * Whatever goes wrong while answering still answers (502 if nothing was written yet), and a pipeline that never
 * completes is answered 504 at the route's deadline.
 */
public final class ResponseRelay {
  private static final Logger LOG = LoggerFactory.getLogger(ResponseRelay.class);
  private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);
  private static final String CORRELATION_HEADER = "X-Correlation-Id";

  /** Writes a pipeline's outcome (the upstream's answer, or a failure as a problem); runs on the request's loop. */
  @FunctionalInterface
  public interface Writer {
    /** Writes the answer; the future completes once it is all written. */
    CompletableFuture<Void> write(CallResult<UpstreamResponse> result, Throwable error);
  }

  private final HttpServerRequest req;
  private final HttpServerResponse res;
  private final Context context;
  private final String cid;
  private final Runnable onClientGone;
  // Read and written on the request's context only: whoever settles first (outcome or deadline) answers.
  private boolean settled;

  private ResponseRelay(HttpServerRequest req, Context context, String cid, Runnable onClientGone) {
    this.req = req;
    this.res = req.response();
    this.context = context;
    this.cid = cid;
    this.onClientGone = onClientGone;
  }

  /**
   * A relay for {@code req}; call it on the request's event loop (its request handler, or anything that ran on its
   * context), whose context it keeps. {@code onClientGone} counts callers that left before their answer was written.
   */
  public static ResponseRelay of(HttpServerRequest req, String cid, Runnable onClientGone) {
    Context here = Vertx.currentContext();
    if (here == null || !Context.isOnEventLoopThread()) {
      throw new IllegalStateException("a response relay starts on the request's event loop");
    }
    return new ResponseRelay(req, here, cid, onClientGone);
  }

  /** The request's context: where its upstream call should run, so that both ends of a stream share a thread. */
  public Context context() {
    return context;
  }

  /**
   * Answers with {@code outcome} once it completes, through {@code writer} on the request's loop; or, if it has not
   * completed {@code deadlineMillis} after now (0: no deadline), with a 504 problem. The future completes once the
   * answer is written (or abandoned because the caller left); it never fails.
   */
  public CompletableFuture<Void> answer(CompletionStage<CallResult<UpstreamResponse>> outcome, long deadlineMillis,
      Writer writer) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    long timer = deadlineMillis <= 0 ? -1 : context.owner().setTimer(deadlineMillis, t -> onDeadline(deadlineMillis,
        done));
    outcome.whenComplete((result, error) -> context.runOnContext(v -> {
      if (timer >= 0) {
        context.owner().cancelTimer(timer);
      }
      if (settled) { // the deadline answered already: nobody reads this answer any more
        if (result != null && result.value() != null) {
          discard(result.value());
        }
        done.complete(null);
        return;
      }
      settled = true;
      CompletableFuture<Void> written;
      try {
        written = writer.write(result, error);
      } catch (Throwable t) {
        written = CompletableFuture.failedFuture(t);
        if (result != null && result.value() != null) {
          discard(result.value());
        }
      }
      written.whenComplete((x, t) -> {
        if (t != null) {
          onContext(() -> safetyNet(t));
        }
        done.complete(null);
      });
    }));
    return done;
  }

  private void onDeadline(long deadlineMillis, CompletableFuture<Void> done) {
    if (settled) {
      return;
    }
    settled = true;
    if (res.headWritten() || res.closed()) {
      done.complete(null);
      return;
    }
    LOG.warn("no outcome for {} {} within the route's deadline of {} ms (correlation id {}); answered 504",
        req.method(), req.path(), deadlineMillis, cid);
    problem(res, cid, Problem.of(ErrorCode.TIMEOUT, "no answer within the route's deadline of " + deadlineMillis
        + " ms", -1, cid), false);
    // The pipeline's own completion, whenever it comes, only frees what it holds (settled above).
    done.complete(null);
  }

  /** The last resort when answering failed: a 502 if nothing was written yet, else the response is cut. */
  private void safetyNet(Throwable t) {
    LOG.error("answering {} {} failed (correlation id {})", req.method(), req.path(), cid, t);
    if (res.closed() || res.ended()) {
      return;
    }
    if (!res.headWritten()) {
      problem(res, cid, Problem.of(ErrorCode.UPSTREAM_ERROR, "the gateway could not relay the upstream's answer", -1,
          cid), false);
    } else {
      res.reset(); // a truncated body must not pass for a whole one
    }
  }

  private void onContext(Runnable r) {
    if (Vertx.currentContext() == context) {
      r.run();
    } else {
      context.runOnContext(v -> r.run());
    }
  }

  /**
   * Writes the upstream's answer: status, headers (hop-by-hop ones stripped), and the body, whole or streamed with
   * backpressure. The future completes once it is all written, or once either side gave up. Runs on the request's
   * loop, where the upstream response lives too (see {@link #context()}).
   */
  public CompletableFuture<Void> relay(CallResult<UpstreamResponse> result) {
    UpstreamResponse up = result.value();
    if (res.ended() || res.closed()) {
      discard(up); // nobody to answer: free the upstream connection
      clientGone();
      return DONE;
    }
    res.setStatusCode(up.status());
    String connection = up.header("Connection");
    up.headers().forEach((k, v) -> {
      if (!HopByHop.strip(k, connection)) {
        res.headers().add(k, v);
      }
    });
    res.putHeader(CORRELATION_HEADER, cid);
    if (result.source() == Source.REPLAY) {
      res.putHeader("Idempotent-Replayed", "true");
    }
    if (result.source() != Source.UPSTREAM) {
      res.putHeader("X-Breakwater-Source", result.source().name().toLowerCase(Locale.ROOT));
    }
    if (!up.streamed()) {
      res.end(up.body());
      return DONE;
    }
    return stream(up);
  }

  private CompletableFuture<Void> stream(UpstreamResponse up) {
    String length = up.header("Content-Length");
    if (length != null) {
      res.putHeader("Content-Length", length); // stripped with the hop-by-hop headers; a stream keeps its own
    } else if (req.version() != HttpVersion.HTTP_2) {
      res.setChunked(true); // the upstream sent no length (it was chunked): so do we
    }
    // A caller that leaves mid-stream frees the upstream connection at once, not when the upstream next writes.
    // Only the reset here: the pipe's own exception handler must see it, so that the pipe completes (below).
    res.closeHandler(v -> {
      if (!res.ended()) {
        clientGone();
        up.stream().request().reset();
      }
    });
    // A failure on either side cuts both: the caller must not take a truncated body for a whole one, and the
    // upstream connection must not stay half-read in the pool.
    CompletableFuture<Void> written = new CompletableFuture<>();
    up.stream().pipe().endOnFailure(false).to(res).onComplete(ar -> {
      if (ar.failed()) {
        LOG.debug("stream of {} {} cut (correlation id {}): {}", req.method(), req.path(), cid, ar.cause().toString());
        // Reset only a response whose connection is still open: on one already gone, Vert.x's reset writes to the
        // closed channel and Netty releases that write's buffer a second time (IllegalReferenceCountException). A
        // write that failed because the caller's channel closed comes before Vert.x's own close event, so closed()
        // alone is not enough: the cause says it too.
        if (!res.closed() && !callerChannelClosed(ar.cause())) {
          res.reset();
        }
        discard(up);
      }
      written.complete(null);
    });
    return written;
  }

  /** Whether a pipe failure is the caller's connection having closed under a write. */
  private static boolean callerChannelClosed(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof java.nio.channels.ClosedChannelException) {
        return true;
      }
    }
    return false;
  }

  private void clientGone() {
    LOG.debug("caller of {} {} left before its answer was written (correlation id {})", req.method(), req.path(), cid);
    onClientGone.run();
  }

  /**
   * Frees a streamed answer nobody will read: resets its upstream request (closing that connection rather than
   * leaving it half-read in the pool). The reset surfaces as an exception on the upstream response, expected here,
   * so it is logged at DEBUG rather than reported by Vert.x as an unhandled error.
   */
  public static void discard(UpstreamResponse up) {
    if (up == null || !up.streamed()) {
      return;
    }
    HttpClientResponse s = up.stream();
    s.handler(null);
    s.exceptionHandler(e -> LOG.debug("discarded upstream answer: {}", e.toString()));
    s.request().reset();
  }

  /** Writes a problem+json answer with its correlation id and, on 429/503, Retry-After (once; later calls no-op). */
  public static void problem(HttpServerResponse res, String cid, Problem.Rendered p, boolean close) {
    if (res.ended() || res.closed() || res.headWritten()) {
      return;
    }
    res.setStatusCode(p.status())
        .putHeader("Content-Type", Problem.MEDIA_TYPE)
        .putHeader(CORRELATION_HEADER, cid);
    if (p.retryAfterSeconds() >= 0) {
      res.putHeader("Retry-After", Long.toString(p.retryAfterSeconds()));
    }
    if (close) {
      res.putHeader("Connection", "close");
    }
    res.end(p.json());
  }
}
