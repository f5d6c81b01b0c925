package dev.breakwater.event;

import java.util.Locale;

/** Why a call's retries ran out. */
public enum RetryStop {
  /** The retry policy's attempts were all used. */
  ATTEMPTS,
  /** The next wait would pass the call's deadline. */
  DEADLINE,
  /** The upstream's Retry-After is longer than the policy's {@code maxRetryAfter}. */
  RETRY_AFTER,
  /** The retry budget refused the retry (retries would multiply load during an outage). */
  BUDGET,
  /**
   * The attempt timed out and nothing retries it: a plain write, or a pipeline without a retry policy. Reported so
   * that a timeout never ends a call silently; other failures that are not retried (a 4xx) are not reported here.
   */
  NOT_RETRIED;

  private final String tag = name().toLowerCase(Locale.ROOT);

  /** The lower-case name, as metrics and logs spell it. */
  public String tag() {
    return tag;
  }
}
