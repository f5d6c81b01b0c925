package dev.breakwater.testing;

import dev.breakwater.Breakwater;
import dev.breakwater.BreakwaterException;
import dev.breakwater.CallContext;
import dev.breakwater.CallResult;
import dev.breakwater.Pipeline;
import dev.breakwater.classify.Classifier;
import dev.breakwater.time.VirtualTimeSource;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs one scenario through the synchronous or the asynchronous API on virtual time, against a scripted upstream,
 * and reports the outcome in one shape so that a test can assert both paths behave the same.
 */
public final class Harness {
  /** Which API a scenario runs through. */
  public enum Mode { SYNC, ASYNC }

  /** What the upstream does on one attempt. */
  public record Step(long latencyNanos, String value, Throwable error, Runnable effect) {
    /** A step without a side effect. */
    public Step(long latencyNanos, String value, Throwable error) {
      this(latencyNanos, value, error, null);
    }

    /** The same step, running {@code sideEffect} when the attempt reaches the upstream. */
    public Step and(Runnable sideEffect) {
      return new Step(latencyNanos, value, error, sideEffect);
    }
  }

  /** The outcome of a call: a value with its source, or a Breakwater error. */
  public record Outcome(CallResult<String> result, BreakwaterException error, long elapsedNanos) {
    /** The value, failing the test when the call failed. */
    public String value() {
      if (error != null) {
        throw new AssertionError("expected a value but got " + error, error);
      }
      return result.value();
    }
  }

  public final VirtualTimeSource time = new VirtualTimeSource();
  public final RecordingListener events = new RecordingListener();
  public final AtomicInteger upstreamCalls = new AtomicInteger();
  public final List<CompletableFuture<String>> attempts = new ArrayList<>();
  private final Deque<Step> script = new ArrayDeque<>();
  private Step fallbackStep = new Step(0, "ok", null);

  /** An engine on this harness's virtual time with a fixed jitter of 0.5. */
  public Breakwater.Builder engine() {
    return Breakwater.builder().timeSource(time).executor(Runnable::run).jitter(() -> 0.5).listener(events);
  }

  /** Queues upstream answers in order; after the script the upstream answers {@code ok} at once. */
  public Harness script(Step... steps) {
    script.addAll(List.of(steps));
    return this;
  }

  /** Makes every unscripted attempt behave like {@code step}. */
  public Harness otherwise(Step step) {
    fallbackStep = step;
    return this;
  }

  /** An immediate value. */
  public static Step ok(String value) {
    return new Step(0, value, null);
  }

  /** A value after a latency. */
  public static Step slow(Duration latency, String value) {
    return new Step(latency.toNanos(), value, null);
  }

  /** An immediate failure. */
  public static Step fail(Throwable error) {
    return new Step(0, null, error);
  }

  private synchronized Step next() {
    upstreamCalls.incrementAndGet();
    Step s = script.poll();
    s = s != null ? s : fallbackStep;
    if (s.effect() != null) {
      s.effect().run();
    }
    return s;
  }

  /** Runs one call and lets virtual time run until it completes (at most an hour of virtual time). */
  public Outcome run(Mode mode, Pipeline<String> p, CallContext ctx) {
    long start = time.nanoTime();
    if (mode == Mode.SYNC) {
      try {
        CallResult<String> r = p.executeForResult(ctx, () -> {
          Step s = next();
          time.sleep(s.latencyNanos());
          if (s.error() != null) {
            throw sneaky(s.error());
          }
          return s.value();
        });
        return new Outcome(r, null, time.nanoTime() - start);
      } catch (BreakwaterException e) {
        return new Outcome(null, e, time.nanoTime() - start);
      }
    }
    CompletableFuture<CallResult<String>> f = start(p, ctx).toCompletableFuture();
    for (int i = 0; i < 3_600_000 && !f.isDone(); i++) {
      time.advance(1_000_000L);
    }
    if (!f.isDone()) {
      throw new AssertionError("async call did not complete within an hour of virtual time");
    }
    try {
      return new Outcome(f.join(), null, time.nanoTime() - start);
    } catch (java.util.concurrent.CompletionException e) {
      Throwable c = Classifier.unwrap(e);
      if (c instanceof BreakwaterException) {
        return new Outcome(null, (BreakwaterException) c, time.nanoTime() - start);
      }
      throw new AssertionError("async call failed with a non-Breakwater exception", c);
    }
  }

  /** Starts an asynchronous call without driving time, for scenarios that keep calls in flight. */
  public CompletionStage<CallResult<String>> start(Pipeline<String> p, CallContext ctx) {
    return p.executeAsyncForResult(ctx, () -> {
      Step s = next();
      CompletableFuture<String> f = new CompletableFuture<>();
      synchronized (attempts) {
        attempts.add(f);
      }
      Runnable complete = () -> {
        if (s.error() != null) {
          f.completeExceptionally(s.error());
        } else {
          f.complete(s.value());
        }
      };
      if (s.latencyNanos() == Long.MAX_VALUE) {
        return f; // never completes on its own: the test completes it
      }
      if (s.latencyNanos() == 0) {
        complete.run();
      } else {
        time.schedule(complete, s.latencyNanos());
      }
      return f;
    });
  }

  @SuppressWarnings("unchecked")
  private static <E extends Throwable> RuntimeException sneaky(Throwable t) throws E {
    throw (E) t;
  }
}
