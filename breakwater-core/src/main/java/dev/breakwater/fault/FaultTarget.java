package dev.breakwater.fault;

import dev.breakwater.config.Checks;
import java.util.Locale;
import java.util.Objects;

/**
 * The calls a fault may hit: those of one route, or those of every route sending to one upstream.
 *
 * @param scope whether {@code name} is a route's or an upstream's
 * @param name  the route's or the upstream's name
 */
public record FaultTarget(Scope scope, String name) {

  /** What a target names. */
  public enum Scope {
    /** A route, by its name. */
    ROUTE,
    /** An upstream, by its name: every route sending to it. */
    UPSTREAM;

    /** The key naming a target of this scope in the config file and the admin API. */
    public String key() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Requires a scope and a non-blank name. */
  public FaultTarget {
    Objects.requireNonNull(scope, "scope");
    Checks.check(name != null && !name.isBlank(), scope.key(), name,
        scope == Scope.ROUTE ? "a route's name" : "an upstream's name");
  }

  /** A route's calls. */
  public static FaultTarget route(String name) {
    return new FaultTarget(Scope.ROUTE, name);
  }

  /** The calls of every route to an upstream. */
  public static FaultTarget upstream(String name) {
    return new FaultTarget(Scope.UPSTREAM, name);
  }

  /** Whether a call on {@code route} to {@code upstream} is one of this target's. */
  public boolean covers(String route, String upstream) {
    return name.equals(scope == Scope.ROUTE ? route : upstream);
  }
}
