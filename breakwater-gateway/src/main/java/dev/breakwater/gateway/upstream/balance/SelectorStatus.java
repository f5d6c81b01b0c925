package dev.breakwater.gateway.upstream.balance;

import java.util.List;

/**
 * A snapshot of an upstream's endpoint state, for the admin API.
 *
 * @param activeGroup     the group calls go to
 * @param failbackGroup   the higher-priority group being failed back to, or null
 * @param failbackPercent its share of the calls now (0 when none)
 * @param endpoints       every endpoint, group by group in priority order
 */
public record SelectorStatus(String activeGroup, String failbackGroup, int failbackPercent,
    List<Endpoint> endpoints) {

  /** Copies the list. */
  public SelectorStatus {
    endpoints = List.copyOf(endpoints);
  }

  /**
   * One endpoint's state.
   *
   * @param url             its base URL
   * @param group           its group
   * @param healthy         whether active checks count it healthy (always, without checks)
   * @param ejected         whether outlier detection holds it out of rotation
   * @param ejectedMillis   how long its ejection still lasts (0 when it is not ejected, or ends at the next tick)
   * @param passedChecks    consecutive passed health checks
   * @param failuresInARow  consecutive failed calls
   */
  public record Endpoint(String url, String group, boolean healthy, boolean ejected, long ejectedMillis,
      int passedChecks, int failuresInARow) {

    /** Whether it takes calls: healthy and not ejected. */
    public boolean available() {
      return healthy && !ejected;
    }
  }
}
