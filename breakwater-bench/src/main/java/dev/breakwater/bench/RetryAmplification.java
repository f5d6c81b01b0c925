package dev.breakwater.bench;

import dev.breakwater.Breakwater;
import dev.breakwater.BreakwaterException;
import dev.breakwater.CallContext;
import dev.breakwater.Pipeline;
import dev.breakwater.config.PipelineConfig;
import dev.breakwater.config.Policies;
import dev.breakwater.retry.RetryConfig;
import dev.breakwater.time.VirtualTimeSource;
import java.io.IOException;
import java.time.Duration;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * Retry amplification against an upstream that is fully down: how many upstream calls each offered call turns into,
 * with Breakwater's retry budget on (the defaults: 10 % of first attempts, at least 5 retries a second, over 10 s)
 * and off. Not a timing benchmark: the engine runs on a {@link VirtualTimeSource}, so 60 virtual seconds take a
 * fraction of a real one.
 *
 * <p>Shape: one thread offers {@code rate} calls a second through the synchronous path for {@code seconds} virtual
 * seconds; call {@code i} starts at {@code i / rate} seconds (the clock is advanced to that instant, never back).
 * The upstream throws {@link IOException} (retryable) every time; there is no circuit breaker, so retries are bounded
 * by the attempts (3) and the budget alone. Backoff is 1 ms to 10 ms with a seeded jitter, so a call's retries end
 * well before the next call is due.
 *
 * <p>Output, one line: {@code amplification budget_on=1.100x budget_off=3.000x offered=60000 ...}. With the budget
 * on the ratio can only exceed {@code 1 + ratio} through the floor ({@code max(ratio * firsts, floor * window)}, not
 * a sum), which at 1000 calls/s never binds after the first half second.
 */
public final class RetryAmplification {

  private RetryAmplification() {}

  /** Counts one offered load's upstream invocations. */
  static final class Result {
    long offered;
    long upstreamCalls;
    long failed;

    double ratio() {
      return (double) upstreamCalls / offered;
    }
  }

  static Result run(boolean budget, int rate, int seconds) {
    VirtualTimeSource vt = new VirtualTimeSource();
    Random jitter = new Random(42);
    RetryConfig retry = RetryConfig.defaults().withMaxAttempts(3)
        .withBackoff(Duration.ofMillis(1), Duration.ofMillis(10));
    if (!budget) {
      retry = retry.withBudget(null);
    }
    Breakwater bw = Breakwater.builder()
        .timeSource(vt)
        .executor(Runnable::run)
        .jitter(jitter::nextDouble)
        .policies(Policies.builder().retry("r", retry).build())
        .build();
    Pipeline<String> pipeline = bw.<String>pipeline(PipelineConfig.named("amplification").withUpstream("u")
        .withRetry("r")).build();
    CallContext ctx = CallContext.builder().tenant("tenant").operation("op").upstream("u").correlationId("sim")
        .build();

    Result r = new Result();
    long[] calls = new long[1];
    Callable<String> down = () -> {
      calls[0]++;
      throw new IOException("down");
    };
    long total = (long) rate * seconds;
    long spacing = TimeUnit.SECONDS.toNanos(1) / rate;
    for (long i = 0; i < total; i++) {
      long due = i * spacing;
      long now = vt.nanoTime();
      if (due > now) {
        vt.advance(due - now);
      }
      r.offered++;
      try {
        pipeline.execute(ctx, down);
      } catch (BreakwaterException e) {
        r.failed++;
      }
    }
    r.upstreamCalls = calls[0];
    return r;
  }

  /** Args: [rate per second, default 1000] [virtual seconds, default 60]. */
  public static void main(String[] args) {
    int rate = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 60;
    Result on = run(true, rate, seconds);
    Result off = run(false, rate, seconds);
    System.out.println(String.format(Locale.ROOT,
        "amplification budget_on=%.3fx budget_off=%.3fx offered=%d upstream_on=%d upstream_off=%d failed_on=%d "
            + "failed_off=%d rate=%d/s seconds=%d",
        on.ratio(), off.ratio(), on.offered, on.upstreamCalls, off.upstreamCalls, on.failed, off.failed, rate,
        seconds));
  }
}
