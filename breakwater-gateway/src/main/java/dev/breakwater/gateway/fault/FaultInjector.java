package dev.breakwater.gateway.fault;

import dev.breakwater.fault.FaultSpec;
import dev.breakwater.gateway.http.UpstreamResponse;
import dev.breakwater.gateway.response.ResponseRelay;
import dev.breakwater.time.Cancellable;
import dev.breakwater.time.TimeSource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.net.SocketException;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Injects the drills' faults at the upstream attempt, where the engine's policies see them as the upstream's own
 * misbehaviour: a delay holds the attempt on a timer (the attempt timeout cancels it as it would a slow upstream), an
 * error or a throttle answers in the upstream's place, an abort fails the attempt as a reset connection does. Every
 * injected fault is counted ({@code breakwater_faults_injected_total}, by route, upstream and kind) and logged at
 * debug.
 */
public final class FaultInjector {
  private static final Logger LOG = LoggerFactory.getLogger(FaultInjector.class);
  /** The response header that tells an injected answer from a real one. */
  public static final String HEADER = "Breakwater-Fault";

  private final FaultDrills drills;
  private final TimeSource time;
  private final MeterRegistry registry;

  /** Injects the faults of {@code drills}, holding delays on {@code time}'s timers, counting in {@code registry}. */
  public FaultInjector(FaultDrills drills, TimeSource time, MeterRegistry registry) {
    this.drills = drills;
    this.time = time;
    this.registry = registry;
  }

  /** Whether any drill is in force: without one, a call need not ask {@link #around}. */
  public boolean armed() {
    return drills.armed();
  }

  /**
   * The attempts of one call on {@code route} to {@code upstream} by {@code tenant}: {@code send} itself when no drill
   * may hit the call, else {@code send} behind a draw at each attempt. {@code readBody} reads the request body away
   * when an answer takes the upstream's place, as the upstream would have read it (a streamed body left unread would
   * hold the caller's connection).
   */
  public Supplier<CompletableFuture<UpstreamResponse>> around(String route, String upstream, String tenant,
      Function<String, String> headers, Runnable readBody, Supplier<CompletableFuture<UpstreamResponse>> send) {
    Fault[] candidates = drills.candidates(route, upstream, tenant, headers);
    if (candidates.length == 0) {
      return send;
    }
    return () -> {
      Fault f = drills.draw(candidates);
      return f == null ? send.get() : inject(f, route, upstream, tenant, readBody, send);
    };
  }

  private CompletableFuture<UpstreamResponse> inject(Fault f, String route, String upstream, String tenant,
      Runnable readBody, Supplier<CompletableFuture<UpstreamResponse>> send) {
    FaultSpec spec = f.spec();
    Counter.builder("breakwater.faults.injected").description("Faults injected into upstream attempts by drills")
        .tag("route", route).tag("upstream", upstream).tag("kind", spec.kind().spelling())
        .register(registry).increment();
    LOG.debug("fault drill {} hit an attempt on route {} (upstream {}, tenant {}): {}", f.id(), route, upstream,
        tenant, spec.kind().spelling());
    return switch (spec.kind()) {
      case DELAY -> delayed(spec.delay().toNanos(), send);
      case ERROR -> answered(readBody, answer(f, spec.status(), null));
      case THROTTLE -> answered(readBody, answer(f, 429, spec.retryAfter().toSeconds()));
      case ABORT -> CompletableFuture.failedFuture(new SocketException("Connection reset (fault drill " + f.id()
          + ")"));
    };
  }

  private static CompletableFuture<UpstreamResponse> answered(Runnable readBody, UpstreamResponse answer) {
    readBody.run();
    return CompletableFuture.completedFuture(answer);
  }

  /** Sends the attempt after {@code nanos}; cancelling the attempt (its timeout) cancels the wait or the call. */
  private CompletableFuture<UpstreamResponse> delayed(long nanos, Supplier<CompletableFuture<UpstreamResponse>> send) {
    CompletableFuture<UpstreamResponse> out = new CompletableFuture<>();
    Cancellable timer = time.schedule(() -> {
      if (out.isDone()) {
        return;
      }
      CompletableFuture<UpstreamResponse> call = send.get();
      out.whenComplete((v, e) -> {
        if (out.isCancelled()) {
          call.cancel(false); // the upstream call stops its own work, as a timed-out attempt does
        }
      });
      call.whenComplete((v, e) -> {
        if (e != null) {
          out.completeExceptionally(e);
        } else if (!out.complete(v)) {
          ResponseRelay.discard(v);
        }
      });
    }, nanos);
    out.whenComplete((v, e) -> {
      if (out.isCancelled()) {
        timer.cancel();
      }
    });
    return out;
  }

  private static UpstreamResponse answer(Fault f, int status, Long retryAfterSeconds) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap()
        .add("Content-Type", "application/json")
        .add(HEADER, f.id());
    if (retryAfterSeconds != null) {
      headers.add("Retry-After", Long.toString(retryAfterSeconds));
    }
    return new UpstreamResponse(status, headers, Buffer.buffer("{\"fault\":\"injected\",\"drill\":"
        + dev.breakwater.gateway.http.JsonText.quote(f.id()) + ",\"status\":" + status + "}"));
  }
}
