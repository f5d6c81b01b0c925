package dev.breakwater.control;

import java.util.Objects;

/**
 * What a setting applies to: everything, one upstream, one route (a pipeline, named as in the configuration), or one
 * tenant (where a tenant lives: its shard).
 *
 * @param scope how wide the setting reaches
 * @param name  the upstream's, route's or tenant's name; {@code null} for {@link Scope#GLOBAL}
 */
public record Target(Scope scope, String name) {

  /** How wide a setting reaches; a narrower setting wins over a wider one of the same source. */
  public enum Scope {
    /** Every call. */
    GLOBAL,
    /** The calls to one upstream. */
    UPSTREAM,
    /** The calls of one route (pipeline). */
    ROUTE,
    /** One tenant, wherever it calls: only a tenant's shard is set this way. */
    TENANT
  }

  private static final Target GLOBAL_TARGET = new Target(Scope.GLOBAL, null);

  /** Checks that a global target has no name and the others have a non-empty one. */
  public Target {
    Objects.requireNonNull(scope, "scope");
    if (scope == Scope.GLOBAL ? name != null : name == null || name.isEmpty()) {
      throw new IllegalArgumentException(scope == Scope.GLOBAL ? "a global target has no name"
          : "a " + scope.name().toLowerCase(java.util.Locale.ROOT) + " target needs a name");
    }
  }

  /** Every call. */
  public static Target global() {
    return GLOBAL_TARGET;
  }

  /** The calls to one upstream. */
  public static Target upstream(String name) {
    return new Target(Scope.UPSTREAM, name);
  }

  /** The calls of one route. */
  public static Target route(String name) {
    return new Target(Scope.ROUTE, name);
  }

  /** One tenant. */
  public static Target tenant(String name) {
    return new Target(Scope.TENANT, name);
  }

  /** How operators write it: {@code global}, {@code upstream:NAME}, {@code route:NAME} or {@code tenant:NAME}. */
  @Override
  public String toString() {
    return scope == Scope.GLOBAL ? "global" : scope.name().toLowerCase(java.util.Locale.ROOT) + ":" + name;
  }
}
