package dev.breakwater.bench;

import dev.breakwater.Breakwater;
import dev.breakwater.CallContext;
import dev.breakwater.Pipeline;
import dev.breakwater.bulkhead.BulkheadConfig;
import dev.breakwater.circuit.CircuitBreakerConfig;
import dev.breakwater.config.PipelineConfig;
import dev.breakwater.config.Policies;
import dev.breakwater.config.TimeoutConfig;
import dev.breakwater.ratelimit.RateLimitConfig;
import dev.breakwater.ratelimit.RateLimitScope;
import dev.breakwater.retry.RetryConfig;
import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeExecutor;
import dev.failsafe.RetryPolicy;
import dev.failsafe.Timeout;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.decorators.Decorators;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.timelimiter.TimeLimiter;
import io.github.resilience4j.timelimiter.TimeLimiterConfig;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The synchronous success path of a protected call: the bare call, a circuit breaker alone, and a stack of five
 * policies (timeout, retry, circuit breaker, bulkhead, rate limiter), each in Breakwater, Resilience4j and Failsafe.
 *
 * <p>Every state is {@link Scope#Benchmark}: with {@code -t 2} both threads share one breaker, one bulkhead and one
 * rate limiter, the contended case a server sees. Every policy is configured so generously that the success path
 * never trips it. The thread count is chosen by the caller ({@code -t 1}, {@code -t 2}; see bench/core.sh).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class Overhead {

  /** Generous enough that no benchmark ever waits or is refused: 1e9 permits a second with a 1 s burst. */
  static final long RATE_PERMITS_PER_SECOND = 1_000_000_000L;
  static final int BULKHEAD = 1000;
  static final Duration TIMEOUT = Duration.ofSeconds(10);
  static final int ATTEMPTS = 3;
  static final Duration BACKOFF = Duration.ofMillis(100);

  /** The unprotected call. */
  @State(Scope.Benchmark)
  public static class Bare {
    Upstream upstream;

    @Setup
    public void setup() {
      upstream = new Upstream("ok");
    }
  }

  static CallContext context() {
    return CallContext.builder().tenant("tenant").operation("op").upstream("u").correlationId("bench").build();
  }

  /** A Breakwater pipeline with only a count-based circuit breaker (defaults). */
  @State(Scope.Benchmark)
  public static class BreakwaterBreaker {
    Upstream upstream;
    CallContext ctx;
    Pipeline<String> pipeline;

    @Setup
    public void setup() {
      upstream = new Upstream("ok");
      ctx = context();
      Breakwater bw = Breakwater.builder()
          .policies(Policies.builder().circuitBreaker("cb", CircuitBreakerConfig.defaults()).build())
          .build();
      pipeline = bw.<String>pipeline(PipelineConfig.named("breaker").withUpstream("u").withCircuitBreaker("cb"))
          .build();
    }
  }

  /** Resilience4j's circuit breaker (defaults: count-based, 100 calls), decorated once. */
  @State(Scope.Benchmark)
  public static class Resilience4jBreaker {
    Supplier<String> supplier;

    @Setup
    public void setup() {
      supplier = CircuitBreaker.decorateSupplier(CircuitBreaker.ofDefaults("x"), new Upstream("ok"));
    }
  }

  /** Failsafe's circuit breaker (defaults), the executor built once. */
  @State(Scope.Benchmark)
  public static class FailsafeBreaker {
    Upstream upstream;
    FailsafeExecutor<String> executor;

    @Setup
    public void setup() {
      upstream = new Upstream("ok");
      executor = Failsafe.with(dev.failsafe.CircuitBreaker.<String>ofDefaults());
    }
  }

  /**
   * One Breakwater pipeline with all five policies: 10 s attempt timeout (30 s deadline), 3 attempts with the
   * default retry budget, default breaker, a bulkhead of 1000, a global rate limit of 1e9/s with a 1e9 burst.
   */
  /** Breakwater's stack: timeout, retry, breaker, bulkhead and rate limiter in one pipeline. */
  @State(Scope.Benchmark)
  public static class BreakwaterStack {
    Upstream upstream;
    CallContext ctx;
    Pipeline<String> pipeline;

    @Setup
    public void setup() {
      upstream = new Upstream("ok");
      ctx = context();
      pipeline = breakwaterStack(true);
    }
  }

  /** The same stack without the timeout: the four policies Resilience4j's synchronous stack can have. */
  @State(Scope.Benchmark)
  public static class BreakwaterStackNoTimeout extends BreakwaterStack {
    @Override
    @Setup
    public void setup() {
      upstream = new Upstream("ok");
      ctx = context();
      pipeline = breakwaterStack(false);
    }
  }

  static Pipeline<String> breakwaterStack(boolean timeout) {
    return stackPipeline(Breakwater.builder().policies(stackPolicies()).build(), timeout ? "stack" : "stack4", timeout);
  }

  /** The five policies of Breakwater's stack, each configured so that the success path never trips it. */
  static Policies stackPolicies() {
    return Policies.builder()
        .timeout("t", TimeoutConfig.of(TIMEOUT, Duration.ofSeconds(30)))
        .retry("r", RetryConfig.defaults().withMaxAttempts(ATTEMPTS).withBackoff(BACKOFF, Duration.ofSeconds(5)))
        .circuitBreaker("cb", CircuitBreakerConfig.defaults())
        .bulkhead("b", BulkheadConfig.of(BULKHEAD))
        .rateLimit(RateLimitConfig.of("rl", RateLimitScope.GLOBAL, RATE_PERMITS_PER_SECOND, Duration.ofSeconds(1)))
        .build();
  }

  /** The stack's pipeline on an engine built with {@link #stackPolicies()}, with or without the timeout. */
  static Pipeline<String> stackPipeline(Breakwater bw, String name, boolean timeout) {
    return bw.<String>pipeline(PipelineConfig.named(name).withUpstream("u")
        .withTimeout(timeout ? "t" : null).withRetry("r").withCircuitBreaker("cb").withBulkhead("b")
        .withRateLimits(List.of("rl"))).build();
  }

  static Retry r4jRetry() {
    return Retry.of("x", io.github.resilience4j.retry.RetryConfig.custom().maxAttempts(ATTEMPTS)
        .waitDuration(BACKOFF).build());
  }

  static Bulkhead r4jBulkhead() {
    return Bulkhead.of("x", io.github.resilience4j.bulkhead.BulkheadConfig.custom().maxConcurrentCalls(BULKHEAD)
        .maxWaitDuration(Duration.ZERO).build());
  }

  static RateLimiter r4jRateLimiter() {
    // 1e6 permits per 1 ms cycle = 1e9/s; a call never waits.
    return RateLimiter.of("x", RateLimiterConfig.custom().limitForPeriod((int) (RATE_PERMITS_PER_SECOND / 1000))
        .limitRefreshPeriod(Duration.ofMillis(1)).timeoutDuration(Duration.ZERO).build());
  }

  /**
   * Resilience4j's stack for a synchronous call: rate limiter, bulkhead (semaphore), retry, circuit breaker, outermost
   * first. No time limiter: Resilience4j's TimeLimiter only bounds futures, so a synchronous call has none.
   */
  @State(Scope.Benchmark)
  public static class Resilience4jStack {
    Supplier<String> supplier;

    @Setup
    public void setup() {
      supplier = Decorators.ofSupplier((Supplier<String>) new Upstream("ok"))
          .withCircuitBreaker(CircuitBreaker.ofDefaults("x"))
          .withRetry(r4jRetry())
          .withBulkhead(r4jBulkhead())
          .withRateLimiter(r4jRateLimiter())
          .decorate();
    }
  }

  /**
   * Resilience4j's stack with a real 10 s TimeLimiter: the only way it bounds a synchronous call is to run the call
   * on a pool and wait on its future, so every call pays a thread hand-off.
   */
  @State(Scope.Benchmark)
  public static class Resilience4jStackTimeLimiter {
    Callable<String> callable;
    ExecutorService pool;

    @Setup
    public void setup() {
      pool = Executors.newFixedThreadPool(4, r -> {
        Thread t = new Thread(r, "r4j-time-limiter");
        t.setDaemon(true);
        return t;
      });
      Upstream upstream = new Upstream("ok");
      TimeLimiter limiter = TimeLimiter.of("x", TimeLimiterConfig.custom().timeoutDuration(TIMEOUT)
          .cancelRunningFuture(true).build());
      Supplier<Future<String>> onPool = () -> pool.submit((Callable<String>) upstream);
      callable = Decorators.ofCallable(TimeLimiter.decorateFutureSupplier(limiter, onPool))
          .withCircuitBreaker(CircuitBreaker.ofDefaults("x"))
          .withRetry(r4jRetry())
          .withBulkhead(r4jBulkhead())
          .withRateLimiter(r4jRateLimiter())
          .decorate();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      pool.shutdownNow();
    }
  }

  static FailsafeExecutor<String> failsafeStack(boolean timeout) {
    dev.failsafe.RateLimiter<String> rateLimiter = dev.failsafe.RateLimiter
        .<String>smoothBuilder(RATE_PERMITS_PER_SECOND, Duration.ofSeconds(1))
        // A smooth limiter has no burst: two threads in the same nanosecond would see a 1 ns wait. Allow it.
        .withMaxWaitTime(Duration.ofSeconds(1))
        .build();
    dev.failsafe.Bulkhead<String> bulkhead = dev.failsafe.Bulkhead.of(BULKHEAD);
    RetryPolicy<String> retry = RetryPolicy.<String>builder().withMaxAttempts(ATTEMPTS)
        .withBackoff(BACKOFF, Duration.ofSeconds(5)).build();
    dev.failsafe.CircuitBreaker<String> breaker = dev.failsafe.CircuitBreaker.ofDefaults();
    if (!timeout) {
      return Failsafe.with(rateLimiter, bulkhead, retry, breaker);
    }
    // Outermost first, as in Breakwater: rate limiter, bulkhead, retry, breaker, timeout.
    return Failsafe.with(rateLimiter, bulkhead, retry, breaker, Timeout.<String>of(TIMEOUT));
  }

  /**
   * Failsafe's stack: smooth rate limiter, bulkhead, retry, circuit breaker and a 10 s timeout. Failsafe's synchronous
   * timeout schedules a task on its scheduler that would interrupt the call; that is its real synchronous behaviour.
   */
  @State(Scope.Benchmark)
  public static class FailsafeStack {
    Upstream upstream;
    FailsafeExecutor<String> executor;

    @Setup
    public void setup() {
      upstream = new Upstream("ok");
      executor = failsafeStack(true);
    }
  }

  /** Failsafe's stack without the timeout, for comparison with Breakwater's clock-only synchronous timeout. */
  @State(Scope.Benchmark)
  public static class FailsafeStackNoTimeout {
    Upstream upstream;
    FailsafeExecutor<String> executor;

    @Setup
    public void setup() {
      upstream = new Upstream("ok");
      executor = failsafeStack(false);
    }
  }

  @Benchmark
  public String bare(Bare s) {
    return s.upstream.get();
  }

  /**
   * Not a row of the comparison: one {@code System.nanoTime()}, the price of every clock read a policy makes (a
   * timeout, a time-based window, a rate limiter, a retry budget).
   */
  @Benchmark
  public long clockRead() {
    return System.nanoTime();
  }

  @Benchmark
  public String breakwaterBreaker(BreakwaterBreaker s) {
    return s.pipeline.execute(s.ctx, s.upstream);
  }

  @Benchmark
  public String resilience4jBreaker(Resilience4jBreaker s) {
    return s.supplier.get();
  }

  @Benchmark
  public String failsafeBreaker(FailsafeBreaker s) {
    return s.executor.get(s.upstream);
  }

  @Benchmark
  public String breakwaterStack(BreakwaterStack s) {
    return s.pipeline.execute(s.ctx, s.upstream);
  }

  @Benchmark
  public String breakwaterStackNoTimeout(BreakwaterStackNoTimeout s) {
    return s.pipeline.execute(s.ctx, s.upstream);
  }

  @Benchmark
  public String resilience4jStack(Resilience4jStack s) {
    return s.supplier.get();
  }

  @Benchmark
  public String resilience4jStackTimeLimiter(Resilience4jStackTimeLimiter s) throws Exception {
    return s.callable.call();
  }

  @Benchmark
  public String failsafeStack(FailsafeStack s) {
    return s.executor.get(s.upstream);
  }

  @Benchmark
  public String failsafeStackNoTimeout(FailsafeStackNoTimeout s) {
    return s.executor.get(s.upstream);
  }
}
