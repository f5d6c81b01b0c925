package dev.breakwater;

import static dev.breakwater.testing.Harness.fail;
import static dev.breakwater.testing.Harness.ok;
import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.bulkhead.BulkheadConfig;
import dev.breakwater.config.PipelineConfig;
import dev.breakwater.config.Policies;
import dev.breakwater.config.TimeoutConfig;
import dev.breakwater.event.BreakwaterListener;
import dev.breakwater.event.Interest;
import dev.breakwater.retry.RetryConfig;
import dev.breakwater.spi.ContextCarrier;
import dev.breakwater.testing.Harness;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An asynchronous call continues on other threads (here: the thread that advances virtual time, standing for a
 * timer); a context carrier makes the caller's context current there, and restores what was current before.
 */
class ContextCarrierScenarioTest {
  /** The caller's ambient context, as a tracing or logging library keeps it. */
  private static final ThreadLocal<String> CURRENT = new ThreadLocal<>();

  /** A carrier of {@link #CURRENT}. */
  private static final ContextCarrier THREAD_LOCAL = () -> {
    String captured = CURRENT.get();
    return () -> {
      String before = CURRENT.get();
      CURRENT.set(captured);
      return () -> CURRENT.set(before);
    };
  };

  private final Harness h = new Harness();
  /** The context each attempt, retry and timeout event saw, in order. */
  private final List<String> seen = new CopyOnWriteArrayList<>();

  @AfterEach
  void clear() {
    CURRENT.remove();
  }

  private final BreakwaterListener witness = new BreakwaterListener() {
    @Override
    public Set<Interest> interests() {
      return Interest.all();
    }

    @Override
    public void onAttempt(Pipeline<?> pipeline, CallContext ctx, int attempt, ErrorCode code, long upstreamNanos) {
      seen.add("attempt " + attempt + " in " + CURRENT.get());
    }

    @Override
    public void onRetry(Pipeline<?> pipeline, CallContext ctx, int nextAttempt, ErrorCode cause, long delayNanos) {
      seen.add("retry " + nextAttempt + " in " + CURRENT.get());
    }

    @Override
    public void onTimeout(Pipeline<?> pipeline, CallContext ctx, boolean deadline, long elapsedNanos) {
      seen.add("timeout in " + CURRENT.get());
    }
  };

  private Pipeline<String> pipeline(Breakwater.Builder engine) {
    Policies policies = Policies.builder()
        .timeout("t", TimeoutConfig.of(Duration.ofSeconds(2), Duration.ofSeconds(10)))
        .retry("r", RetryConfig.defaults().withBackoff(Duration.ofMillis(100), Duration.ofSeconds(1))
            .withBudget(null))
        .bulkhead("b", BulkheadConfig.of(1).withWait(Duration.ofSeconds(5), 10))
        .build();
    return engine.policies(policies).listener(witness).build().<String>pipeline(PipelineConfig.named("graph")
        .withUpstream("graph").withDomain("mail").withTimeout("t").withRetry("r").withBulkhead("b")).build();
  }

  private CompletableFuture<CallResult<String>> callAs(String context, Pipeline<String> p) {
    CURRENT.set(context);
    try {
      return h.start(p, CallContext.builder().tenant("t1").operation("list").build()).toCompletableFuture();
    } finally {
      CURRENT.remove(); // the caller's thread moves on; the call continues elsewhere
    }
  }

  private void drive(CompletableFuture<?> f) {
    for (int i = 0; i < 60_000 && !f.isDone(); i++) {
      h.time.advance(1_000_000L);
    }
    assertThat(f).isDone();
  }

  @Test
  void theAttemptAfterABackoffRunsInTheCallersContextAndTheTimerThreadGetsItsOwnBack() {
    h.script(fail(new IOException("reset")), ok("v"));
    Pipeline<String> p = pipeline(h.engine().contextCarrier(THREAD_LOCAL));

    CompletableFuture<CallResult<String>> f = callAs("request-1", p);
    drive(f);

    assertThat(f.join().value()).isEqualTo("v");
    assertThat(seen).containsExactly("attempt 1 in request-1", "retry 2 in request-1", "attempt 2 in request-1");
    assertThat(CURRENT.get()).as("the driving thread's own context, restored").isNull();
  }

  @Test
  void anAttemptTimeoutIsJudgedInTheCallersContext() {
    h.script(new Harness.Step(Long.MAX_VALUE, null, null), ok("v"));
    Pipeline<String> p = pipeline(h.engine().contextCarrier(THREAD_LOCAL));

    CompletableFuture<CallResult<String>> f = callAs("request-2", p);
    drive(f);

    assertThat(seen).startsWith("timeout in request-2", "attempt 1 in request-2", "retry 2 in request-2");
    assertThat(seen).contains("attempt 2 in request-2");
  }

  @Test
  void aCallWaitingForABulkheadPermitContinuesInItsOwnContext() {
    h.script(new Harness.Step(Long.MAX_VALUE, null, null), ok("second"));
    Pipeline<String> p = pipeline(h.engine().contextCarrier(THREAD_LOCAL));
    CompletableFuture<CallResult<String>> first = callAs("request-A", p);
    CompletableFuture<CallResult<String>> second = callAs("request-B", p); // waits for the one permit

    h.attempts.get(0).complete("first"); // completes on this thread, which has no context of its own
    drive(second);

    assertThat(first.join().value()).isEqualTo("first");
    assertThat(second.join().value()).isEqualTo("second");
    assertThat(seen).containsExactly("attempt 1 in request-A", "attempt 1 in request-B");
  }

  @Test
  void aListenerThatIsACarrierIsUsedWithoutBeingNamedTwice() {
    class TracingListener implements BreakwaterListener, ContextCarrier {
      @Override
      public Captured capture() {
        return THREAD_LOCAL.capture();
      }
    }
    h.script(fail(new IOException("reset")), ok("v"));
    Pipeline<String> p = pipeline(h.engine().listener(new TracingListener()));

    CompletableFuture<CallResult<String>> f = callAs("request-3", p);
    drive(f);

    assertThat(seen).containsExactly("attempt 1 in request-3", "retry 2 in request-3", "attempt 2 in request-3");
  }

  @Test
  void aCarrierWithNothingToCarryLeavesTheCallAsWithoutOne() {
    ContextCarrier onlyWhenSet = () -> CURRENT.get() == null ? null : THREAD_LOCAL.capture();
    h.script(fail(new IOException("reset")), ok("v"));
    Pipeline<String> p = pipeline(h.engine().contextCarrier(onlyWhenSet));

    CompletableFuture<CallResult<String>> f = callAs(null, p);
    drive(f);

    assertThat(f.join().value()).isEqualTo("v");
    assertThat(seen).containsExactly("attempt 1 in null", "retry 2 in null", "attempt 2 in null");
  }

  @Test
  void withoutACarrierNothingIsCarried() {
    h.script(fail(new IOException("reset")), ok("v"));
    Pipeline<String> p = pipeline(h.engine());

    CompletableFuture<CallResult<String>> f = callAs("request-4", p);
    drive(f);

    assertThat(seen).containsExactly("attempt 1 in request-4", "retry 2 in request-4", "attempt 2 in null");
  }
}
