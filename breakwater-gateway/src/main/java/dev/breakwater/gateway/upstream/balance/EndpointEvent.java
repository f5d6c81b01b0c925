package dev.breakwater.gateway.upstream.balance;

import java.time.Duration;

/**
 * One step in an upstream's endpoint state: each becomes a log line, a counter increment and part of the admin view.
 *
 * @param kind      what happened
 * @param upstream  the upstream's name
 * @param group     the group concerned (for a failover, the group now in use)
 * @param endpoint  the endpoint concerned, or null for group-wide steps
 * @param fromGroup for a failover, the group left; else null
 * @param percent   for failback steps, the share of calls the recovering group takes now; else 0
 * @param ejection  for an ejection, how long it lasts; else null
 */
public record EndpointEvent(Kind kind, String upstream, String group, String endpoint, String fromGroup,
    int percent, Duration ejection) {

  /** The kinds of step. */
  public enum Kind {
    /** Outlier detection took an endpoint out of rotation. */
    EJECTED,
    /** An ejection ran out: the endpoint is back in rotation. */
    RESTORED,
    /** Active checks failed the unhealthy threshold. */
    UNHEALTHY,
    /** Active checks passed the healthy threshold again. */
    HEALTHY,
    /** The group in use had no healthy endpoint left: calls moved to the next group. */
    FAILOVER,
    /** A recovered higher-priority group takes a larger share of the calls. */
    FAILBACK_STEP,
    /** A step's verification window saw too many errors: back to the previous step (0 % stops the failback). */
    FAILBACK_ROLLED_BACK,
    /** The recovered group passed its 100 % step: it is the group in use again. */
    FAILBACK_DONE
  }

  /** The event as one log line's text. */
  public String describe() {
    String where = "upstream " + upstream + (endpoint == null ? " group " + group : " endpoint " + endpoint);
    return switch (kind) {
      case EJECTED -> where + " ejected for " + ejection.toMillis() + " ms after consecutive failures";
      case RESTORED -> where + " restored after its ejection";
      case UNHEALTHY -> where + " failed its health checks: unhealthy";
      case HEALTHY -> where + " passed its health checks: healthy";
      case FAILOVER -> "upstream " + upstream + " failed over from group " + fromGroup + " to group " + group;
      case FAILBACK_STEP -> "upstream " + upstream + " fails back to group " + group + ": " + percent + " % of calls";
      case FAILBACK_ROLLED_BACK -> percent == 0
          ? "upstream " + upstream + " failback to group " + group + " stopped (errors, failed checks or an"
              + " ejection); it starts again once the group is ready"
          : "upstream " + upstream + " failback to group " + group + " rolled back to " + percent
              + " % (too many errors in the verification window)";
      case FAILBACK_DONE -> "upstream " + upstream + " failed back to group " + group + ": all calls";
    };
  }
}
