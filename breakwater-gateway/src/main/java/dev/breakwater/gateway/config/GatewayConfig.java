package dev.breakwater.gateway.config;

import dev.breakwater.config.PipelineConfig;
import dev.breakwater.config.Policies;
import dev.breakwater.fault.FaultSpec;
import dev.breakwater.fault.FaultTarget;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A gateway's whole configuration, as loaded and validated by {@link ConfigLoader}: every policy reference names a
 * policy that exists and every route names an upstream that exists.
 *
 * @param server    the proxy's listener
 * @param admin     the admin API's listener and token
 * @param state     where shared state lives
 * @param identity  where tenant and user come from
 * @param policies  the named policies, as the engine takes them
 * @param upstreams the upstreams by name, in file order
 * @param routes    the routes, in file order (the first that matches a request takes it)
 * @param source    the file it was loaded from
 * @param slos      the service-level objectives by name, in file order (each names existing routes)
 * @param tracing   where traces go, or null when tracing is off (read at start only)
 * @param health    the health rules that set degradation levels from signals ({@link HealthConfig#NONE}: none)
 * @param faults    the fault drills the file arms at each load, by name, in file order (each targets an existing
 *                  route or upstream)
 */
public record GatewayConfig(ServerConfig server, AdminConfig admin, StateConfig state, IdentityConfig identity,
    Policies policies, Map<String, UpstreamConfig> upstreams, List<RouteConfig> routes, Path source,
    Map<String, SloConfig> slos, TracingConfig tracing, HealthConfig health, Map<String, FaultSpec> faults) {

  /** A configuration without fault drills. */
  public GatewayConfig(ServerConfig server, AdminConfig admin, StateConfig state, IdentityConfig identity,
      Policies policies, Map<String, UpstreamConfig> upstreams, List<RouteConfig> routes, Path source,
      Map<String, SloConfig> slos, TracingConfig tracing, HealthConfig health) {
    this(server, admin, state, identity, policies, upstreams, routes, source, slos, tracing, health, Map.of());
  }

  /** A configuration without health rules or fault drills. */
  public GatewayConfig(ServerConfig server, AdminConfig admin, StateConfig state, IdentityConfig identity,
      Policies policies, Map<String, UpstreamConfig> upstreams, List<RouteConfig> routes, Path source,
      Map<String, SloConfig> slos, TracingConfig tracing) {
    this(server, admin, state, identity, policies, upstreams, routes, source, slos, tracing, HealthConfig.NONE);
  }

  /** A configuration without tracing. */
  public GatewayConfig(ServerConfig server, AdminConfig admin, StateConfig state, IdentityConfig identity,
      Policies policies, Map<String, UpstreamConfig> upstreams, List<RouteConfig> routes, Path source,
      Map<String, SloConfig> slos) {
    this(server, admin, state, identity, policies, upstreams, routes, source, slos, null);
  }

  /** A configuration without service-level objectives. */
  public GatewayConfig(ServerConfig server, AdminConfig admin, StateConfig state, IdentityConfig identity,
      Policies policies, Map<String, UpstreamConfig> upstreams, List<RouteConfig> routes, Path source) {
    this(server, admin, state, identity, policies, upstreams, routes, source, Map.of());
  }

  /** Requires every field and copies the collections, keeping their order. */
  public GatewayConfig {
    Objects.requireNonNull(server, "server");
    Objects.requireNonNull(admin, "admin");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(identity, "identity");
    Objects.requireNonNull(policies, "policies");
    Objects.requireNonNull(health, "health");
    upstreams = Collections.unmodifiableMap(new LinkedHashMap<>(upstreams));
    routes = List.copyOf(routes);
    slos = Collections.unmodifiableMap(new LinkedHashMap<>(slos));
    faults = Collections.unmodifiableMap(new LinkedHashMap<>(faults));
    for (RouteConfig r : routes) {
      if (!upstreams.containsKey(r.upstream())) {
        throw new IllegalArgumentException("routes." + r.name() + ".upstream: \"" + r.upstream()
            + "\" (expected: one of " + upstreams.keySet() + ")");
      }
    }
    Set<String> routeNames = new HashSet<>();
    routes.forEach(r -> routeNames.add(r.name()));
    for (SloConfig s : slos.values()) {
      for (String r : s.routes()) {
        if (!routeNames.contains(r)) {
          throw new IllegalArgumentException("slos." + s.name() + ".routes: \"" + r + "\" (expected: a route name)");
        }
      }
    }
    for (Map.Entry<String, FaultSpec> f : faults.entrySet()) {
      FaultTarget t = f.getValue().target();
      if (!exists(t, upstreams.keySet(), routeNames)) {
        throw new IllegalArgumentException("faults." + f.getKey() + "." + t.scope().key() + ": \"" + t.name()
            + "\" (expected: the name of a " + t.scope().key() + ")");
      }
    }
  }

  /** Whether a fault's target names a route or an upstream of this configuration. */
  public boolean hasTarget(FaultTarget target) {
    return exists(target, upstreams.keySet(), routes.stream().map(RouteConfig::name).toList());
  }

  private static boolean exists(FaultTarget t, Collection<String> upstreamNames, Collection<String> routeNames) {
    return (t.scope() == FaultTarget.Scope.UPSTREAM ? upstreamNames : routeNames).contains(t.name());
  }

  /** The latency thresholds of every SLO: each must be an exact histogram bucket boundary. */
  public Set<Duration> latencyThresholds() {
    Set<Duration> out = new TreeSet<>();
    slos.values().forEach(s -> s.latencyObjective().ifPresent(l -> out.add(l.threshold())));
    return out;
  }

  /** The first route that takes a request with this method and path (without query string), if any. */
  public Optional<RouteConfig> route(String method, String path) {
    for (RouteConfig r : routes) {
      if (r.matches(method, path)) {
        return Optional.of(r);
      }
    }
    return Optional.empty();
  }

  /** The upstream a route sends its calls to. */
  public UpstreamConfig upstream(RouteConfig route) {
    return upstreams.get(route.upstream());
  }

  /** The engine pipeline of a route; see {@link RouteConfig#pipelineConfig(UpstreamConfig)}. */
  public PipelineConfig pipelineConfig(RouteConfig route) {
    return route.pipelineConfig(upstream(route));
  }
}
