package dev.breakwater.gateway.cache;

import dev.breakwater.cache.CacheConfig;
import dev.breakwater.gateway.config.GatewayConfig;
import dev.breakwater.gateway.config.RouteConfig;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** The cache each route of one config keys its entries with: version, operation, and whether it is shared. */
public final class RouteCaches {
  /** One route's cache: its entries start with {@code version}, and have {@code operation} as their operation. */
  public record Cache(String route, String operation, String version, boolean shared) {}

  private final Map<String, Cache> byRoute = new LinkedHashMap<>();
  private final Set<String> versions = new TreeSet<>();

  /** The caches of {@code config}'s routes. */
  public RouteCaches(GatewayConfig config) {
    for (RouteConfig r : config.routes()) {
      if (r.cache() == null) {
        continue;
      }
      CacheConfig c = config.policies().cache(r.cache());
      byRoute.put(r.name(), new Cache(r.name(), r.operation(), c.version(), c.shared() || r.cacheShared()));
      versions.add(c.version());
    }
  }

  /** The cache of route {@code name}, empty when it has none (or there is no such route). */
  public Optional<Cache> of(String name) {
    return Optional.ofNullable(byRoute.get(name));
  }

  /** The routes with a cache. */
  public Set<String> routes() {
    return Collections.unmodifiableSet(byRoute.keySet());
  }

  /** Every cache version the routes use. */
  public Set<String> versions() {
    return Collections.unmodifiableSet(versions);
  }
}
