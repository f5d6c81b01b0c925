package dev.breakwater.ratelimit;

import java.time.Duration;

/** The answer to a rate-limit request: admitted, or denied with the limit that denied and the wait until it would admit. */
public final class RateLimitDecision {
  private static final RateLimitDecision ALLOWED = new RateLimitDecision(true, null, 0);

  private final boolean allowed;
  private final String deniedBy;
  private final long retryAfterNanos;

  private RateLimitDecision(boolean allowed, String deniedBy, long retryAfterNanos) {
    this.allowed = allowed;
    this.deniedBy = deniedBy;
    this.retryAfterNanos = retryAfterNanos;
  }

  /** Admitted (a shared instance). */
  public static RateLimitDecision allowed() {
    return ALLOWED;
  }

  /** Denied by {@code limit}, which would admit after {@code retryAfterNanos}; -1 means never (cost above burst). */
  public static RateLimitDecision denied(String limit, long retryAfterNanos) {
    return new RateLimitDecision(false, limit, retryAfterNanos);
  }

  /** Whether the request was admitted (every limit consumed). */
  public boolean isAllowed() {
    return allowed;
  }

  /** The name of the limit that denied, or {@code null}. */
  public String deniedBy() {
    return deniedBy;
  }

  /** Whether the request can never be admitted because its cost exceeds a limit's burst. */
  public boolean never() {
    return !allowed && retryAfterNanos < 0;
  }

  /** How long until the request would be admitted; zero when admitted. */
  public Duration retryAfter() {
    return Duration.ofNanos(Math.max(0, retryAfterNanos));
  }

  @Override
  public String toString() {
    return allowed ? "allowed" : "denied by " + deniedBy + (never() ? " (cost above burst)" : ", retry after "
        + retryAfter());
  }
}
