package dev.breakwater.gateway.config;

import dev.breakwater.Degradation;
import dev.breakwater.control.Target;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * The degradation levels' configuration: health rules (signals mapped to levels, with separate enter and exit
 * thresholds and a minimum dwell so a level never flaps, evaluated every {@code evaluateEvery}; each transition
 * optionally POSTed to a webhook) and who still runs at the emergency level.
 *
 * @param rules            the rules, in file order
 * @param webhook          where each transition is POSTed as JSON, or null
 * @param evaluateEvery    how often the signals are read
 * @param emergencyRoutes  the routes whose calls still run at the emergency level
 * @param emergencyTenants the tenants whose calls still run at the emergency level
 */
public record HealthConfig(List<Rule> rules, URI webhook, Duration evaluateEvery, Set<String> emergencyRoutes,
    Set<String> emergencyTenants) {
  /** No rules, nobody allow-listed. */
  public static final HealthConfig NONE = new HealthConfig(List.of(), null, Duration.ofSeconds(1));

  /** Rules without an emergency allow-list. */
  public HealthConfig(List<Rule> rules, URI webhook, Duration evaluateEvery) {
    this(rules, webhook, evaluateEvery, Set.of(), Set.of());
  }

  /** Copies the rules and the allow-lists. */
  public HealthConfig {
    rules = List.copyOf(rules);
    Objects.requireNonNull(evaluateEvery, "evaluateEvery");
    emergencyRoutes = Set.copyOf(emergencyRoutes);
    emergencyTenants = Set.copyOf(emergencyTenants);
  }

  /** What a rule watches. */
  public enum Signal {
    /** An upstream's breaker is open (OPEN or forced open; half-open counts as probing, not open). */
    BREAKER_OPEN,
    /** The shared state store (Redis) does not answer. */
    STATE_STORE_UNREACHABLE,
    /** The percentage of an upstream's calls that failed over a window (no value below {@code minCalls} calls). */
    ERROR_RATE,
    /** The percentage of an upstream's calls slower than {@code slowerThan} over a window. */
    SLOW_CALLS,
    /** An SLO's burn rate over one of its alert windows, as the gateway computes it at run time. */
    BURN_RATE,
    /**
     * The percentage of an upstream's endpoints that take no calls now: failing their active health checks, or
     * ejected by outlier detection.
     */
    ENDPOINTS_DOWN;

    /** The name in YAML. */
    public String yamlName() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** Whether the signal is a measurement compared with thresholds (else it is on or off). */
    public boolean measured() {
      return this == ERROR_RATE || this == SLOW_CALLS || this == BURN_RATE || this == ENDPOINTS_DOWN;
    }
  }

  /**
   * One rule.
   *
   * @param name       the rule's name, in logs, in {@code GET /admin/control} ({@code set_by}) and the webhook
   * @param signal     what it watches
   * @param upstream   the upstream an upstream signal watches, or null
   * @param slo        the SLO of a burn-rate signal, or null
   * @param sli        the SLI of a burn-rate signal ({@code availability} or {@code latency})
   * @param window     the window of a measured signal (for burn rate, one of the alert windows)
   * @param slowerThan what counts as slow for {@link Signal#SLOW_CALLS}
   * @param enter      the value at or above which the rule enters (measured signals)
   * @param exit       the value at or below which it may exit (at most {@code enter})
   * @param minCalls   the fewest calls in the window for an error or slow-call rate to count
   * @param level      the level the rule sets while it holds
   * @param target     where the level applies
   * @param minDwell   the least time the rule stays entered, or exited, before it may switch again
   */
  public record Rule(String name, Signal signal, String upstream, String slo, String sli, Duration window,
      Duration slowerThan, double enter, double exit, int minCalls, Degradation level, Target target,
      Duration minDwell) {}
}
