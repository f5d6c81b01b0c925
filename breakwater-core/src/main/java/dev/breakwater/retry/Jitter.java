package dev.breakwater.retry;

import static dev.breakwater.config.Checks.check;

import java.util.Objects;

/**
 * How a backoff delay is randomised so that callers failing together do not retry together. {@link Kind#FULL} draws
 * the delay uniformly in {@code [0, d]} (the AWS "full jitter", the widest spread); {@link Kind#PROPORTIONAL} draws it
 * in {@code [d·(1-f), d·(1+f)]}, keeping the exponential shape visible (seed 004 asks for ±10 %), never above the
 * backoff cap.
 *
 * @param kind     full or proportional
 * @param fraction for proportional jitter, the spread on each side of the delay, in (0, 1]; 1 for full jitter
 */
public record Jitter(Kind kind, double fraction) {

  /** The two ways of spreading a delay. */
  public enum Kind {
    /** Uniform in {@code [0, d]}. */
    FULL,
    /** Uniform in {@code [d·(1-f), d·(1+f)]}. */
    PROPORTIONAL
  }

  /** Validates the fraction. */
  public Jitter {
    Objects.requireNonNull(kind, "kind");
    check(fraction > 0 && fraction <= 1, "fraction", fraction, "in (0, 1]");
    check(kind == Kind.PROPORTIONAL || fraction == 1, "fraction", fraction, "1 for full jitter");
  }

  /** Full jitter: uniform in {@code [0, d]}. */
  public static Jitter full() {
    return new Jitter(Kind.FULL, 1);
  }

  /** Proportional jitter: uniform in {@code [d·(1-fraction), d·(1+fraction)]}, such as 0.1 for ±10 %. */
  public static Jitter proportional(double fraction) {
    return new Jitter(Kind.PROPORTIONAL, fraction);
  }

  /** The delay for an exponential delay {@code nanos}, given {@code uniform} in [0, 1), at most {@code capNanos}. */
  public long apply(long nanos, long capNanos, double uniform) {
    if (kind == Kind.FULL) {
      return (long) (uniform * nanos);
    }
    // The spread is added to the exact delay as a long: a delay near 2^53 ns would lose its low bits in a double.
    long spread = (long) (nanos * fraction * (2 * uniform - 1));
    return Math.min(capNanos, Math.max(0, nanos + spread));
  }
}
