package dev.breakwater.retry;

import static dev.breakwater.config.Checks.atLeast;
import static dev.breakwater.config.Checks.check;
import static dev.breakwater.config.Checks.positive;

import java.time.Duration;

/**
 * How failed attempts are retried: at most {@code maxAttempts} attempts in all, waiting an exponential backoff
 * ({@code min(maxDelay, baseDelay * 2^n)}, spread by the {@code jitter}: full by default, uniform in {@code [0, d]}) or, when the failure carries one, the upstream's
 * Retry-After, but never a Retry-After longer than {@code maxRetryAfter} (the call then fails with THROTTLED at once).
 * The overall deadline and the retry {@code budget} bound every wait and every retry.
 *
 * @param enabled       {@code false} makes every call a single attempt
 * @param maxAttempts   attempts in all, the first included
 * @param baseDelay     the backoff of the first retry before jitter
 * @param maxDelay      the backoff cap before jitter
 * @param maxRetryAfter the longest Retry-After the engine waits in place of failing
 * @param budget        the retry budget, or {@code null} for none
 * @param jitter        how the backoff is spread
 */
public record RetryConfig(boolean enabled, int maxAttempts, Duration baseDelay, Duration maxDelay,
    Duration maxRetryAfter, RetryBudgetConfig budget, Jitter jitter) {

  /** Validates every field. */
  public RetryConfig {
    atLeast("maxAttempts", maxAttempts, 1);
    check(maxAttempts <= 100, "maxAttempts", maxAttempts, "<= 100");
    positive("baseDelay", baseDelay);
    positive("maxDelay", maxDelay);
    check(maxDelay.compareTo(baseDelay) >= 0, "maxDelay", maxDelay, ">= baseDelay (" + baseDelay + ")");
    positive("maxRetryAfter", maxRetryAfter);
    check(jitter != null, "jitter", null, "full or proportional");
  }

  /** A retry policy with full jitter. */
  public RetryConfig(boolean enabled, int maxAttempts, Duration baseDelay, Duration maxDelay, Duration maxRetryAfter,
      RetryBudgetConfig budget) {
    this(enabled, maxAttempts, baseDelay, maxDelay, maxRetryAfter, budget, Jitter.full());
  }

  /** Defaults: 3 attempts, backoff from 100 ms capped at 5 s, Retry-After waited up to 30 s, a 10 % budget. */
  public static RetryConfig defaults() {
    return new RetryConfig(true, 3, Duration.ofMillis(100), Duration.ofSeconds(5), Duration.ofSeconds(30),
        RetryBudgetConfig.defaults());
  }

  /** Returns a copy with {@code enabled} set. */
  public RetryConfig withEnabled(boolean v) {
    return new RetryConfig(v, maxAttempts, baseDelay, maxDelay, maxRetryAfter, budget, jitter);
  }

  /** Returns a copy with {@code maxAttempts} set. */
  public RetryConfig withMaxAttempts(int v) {
    return new RetryConfig(enabled, v, baseDelay, maxDelay, maxRetryAfter, budget, jitter);
  }

  /** Returns a copy with the backoff set. */
  public RetryConfig withBackoff(Duration base, Duration max) {
    return new RetryConfig(enabled, maxAttempts, base, max, maxRetryAfter, budget, jitter);
  }

  /** Returns a copy with {@code maxRetryAfter} set. */
  public RetryConfig withMaxRetryAfter(Duration v) {
    return new RetryConfig(enabled, maxAttempts, baseDelay, maxDelay, v, budget, jitter);
  }

  /** Returns a copy with the retry budget set ({@code null} for none). */
  public RetryConfig withBudget(RetryBudgetConfig v) {
    return new RetryConfig(enabled, maxAttempts, baseDelay, maxDelay, maxRetryAfter, v, jitter);
  }

  /** Returns a copy with the jitter set. */
  public RetryConfig withJitter(Jitter v) {
    return new RetryConfig(enabled, maxAttempts, baseDelay, maxDelay, maxRetryAfter, budget, v);
  }

  /**
   * The backoff before retry number {@code retry} (1 for the first retry), in nanoseconds: the exponential delay
   * {@code min(maxDelay, baseDelay * 2^(retry-1))} spread by the jitter with {@code uniform} in [0, 1).
   */
  public long backoffNanos(int retry, double uniform) {
    return jitter.apply(backoffCeilingNanos(retry), maxDelay.toNanos(), uniform);
  }

  /** The exponential delay before retry number {@code retry}, before jitter, in nanoseconds. */
  public long backoffCeilingNanos(int retry) {
    long base = baseDelay.toNanos();
    long cap = maxDelay.toNanos();
    int shift = Math.min(Math.max(retry - 1, 0), 62);
    // Compare before shifting so that a large retry number cannot overflow past the cap.
    return base > (cap >> shift) ? cap : Math.min(cap, base << shift);
  }
}
