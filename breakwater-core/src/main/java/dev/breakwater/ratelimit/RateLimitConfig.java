package dev.breakwater.ratelimit;

import static dev.breakwater.config.Checks.atLeast;
import static dev.breakwater.config.Checks.check;
import static dev.breakwater.config.Checks.positive;

import java.time.Duration;

/**
 * A rate limit: {@code permits} tokens per {@code period} with room for a burst of {@code burst} tokens, counted per
 * {@code scope}. Decided as GCRA (the generic cell rate algorithm, equivalent to a token bucket): over any window of
 * length W it admits at most {@code permits * W / period + burst} tokens.
 *
 * @param name    the limit's name, unique in its engine
 * @param enabled {@code false} admits everything
 * @param scope   whose budget it counts
 * @param permits tokens per period
 * @param period  the period
 * @param burst   the bucket's capacity: the most tokens admitted at once after a quiet spell
 */
public record RateLimitConfig(String name, boolean enabled, RateLimitScope scope, long permits, Duration period,
    long burst) {

  /** Validates every field. */
  public RateLimitConfig {
    check(name != null && !name.isBlank(), "name", name, "a non-blank name");
    check(scope != null, "scope", null, "one of GLOBAL, TENANT, USER, OPERATION, TENANT_OPERATION");
    atLeast("permits", permits, 1);
    positive("period", period);
    atLeast("burst", burst, 1);
    check(period.toNanos() / permits >= 1, "permits", permits, "at most one per nanosecond of period");
  }

  /** A limit of {@code permits} per {@code period} with a burst of {@code permits}. */
  public static RateLimitConfig of(String name, RateLimitScope scope, long permits, Duration period) {
    return new RateLimitConfig(name, true, scope, permits, period, permits);
  }

  /** Returns a copy with the burst set. */
  public RateLimitConfig withBurst(long v) {
    return new RateLimitConfig(name, enabled, scope, permits, period, v);
  }

  /** Returns a copy with {@code enabled} set. */
  public RateLimitConfig withEnabled(boolean v) {
    return new RateLimitConfig(name, v, scope, permits, period, burst);
  }

  /** The time one token takes to refill, in nanoseconds (GCRA's emission interval). */
  public long emissionIntervalNanos() {
    return period.toNanos() / permits;
  }
}
