package dev.breakwater.gateway.cache;

import dev.breakwater.cache.CacheKeys;
import dev.breakwater.spi.CacheStore;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operators' cache flush: by route (every tenant, or one), by tenant (every cached route), or by cache version
 * (including a version no route uses any more, after a bump), optionally narrowed by tenant. Each flush is logged once
 * and its removed keys counted in {@code breakwater_cache_flushed_keys_total{route}} ({@code route="*"} when it is not
 * by route; never a tenant tag).
 */
public final class CacheFlush {
  private static final Logger LOG = LoggerFactory.getLogger(CacheFlush.class);
  /** The {@code route} tag of a flush that is not by route. */
  static final String ANY_ROUTE = "*";

  private final RouteCaches caches;
  private final CacheStore<?> store;
  private final MeterRegistry registry;

  /** A flush of {@code caches}' entries in {@code store}, counted in {@code registry}. */
  public CacheFlush(RouteCaches caches, CacheStore<?> store, MeterRegistry registry) {
    this.caches = caches;
    this.store = store;
    this.registry = registry;
  }

  /** What to flush: at least one of the three; {@code version} defaults to the route's, or to every version in use. */
  public record Selection(String route, String tenant, String version) {
    /** The selection as the log and the answer show it. */
    String describe() {
      return (route == null ? "" : "route=" + route + " ") + (tenant == null ? "" : "tenant=" + tenant + " ")
          + (version == null ? "" : "version=" + version + " ");
    }
  }

  /** Why {@code s} cannot be flushed, in words for the operator; {@code null} when it can. */
  public String problem(Selection s) {
    if (s.route() == null && s.tenant() == null && s.version() == null) {
      return "say what to flush: route, tenant or version (expected: ?route=R[&tenant=T], ?tenant=T or ?version=V)";
    }
    if (s.route() != null && caches.of(s.route()).isEmpty()) {
      return "route: \"" + s.route() + "\" (expected: a route with a cache, one of " + caches.routes() + ")";
    }
    for (String[] p : new String[][] {{"tenant", s.tenant()}, {"version", s.version()}}) {
      if (p[1] != null && p[1].isEmpty()) {
        return p[0] + ": empty (expected: a non-empty value, or no " + p[0] + " parameter)";
      }
    }
    return null;
  }

  /** Flushes a selection {@link #problem} accepted; completes with the number of keys removed. */
  public CompletableFuture<Long> flush(Selection s) {
    RouteCaches.Cache route = s.route() == null ? null : caches.of(s.route()).orElseThrow();
    Set<String> versions = s.version() != null ? Set.of(s.version())
        : route != null ? Set.of(route.version()) : caches.versions();
    List<CompletableFuture<Long>> drops = new ArrayList<>();
    for (String v : versions) {
      if (route == null) {
        drops.add(store.invalidatePrefixAsync(s.tenant() == null ? CacheKeys.versionPrefix(v)
            : CacheKeys.tenantPrefix(v, s.tenant())).toCompletableFuture());
      } else if (s.tenant() != null) {
        drops.add(store.invalidatePrefixAsync(CacheKeys.operationPrefix(v, s.tenant(), route.operation()))
            .toCompletableFuture());
      } else {
        drops.add(store.invalidateWhereAsync(CacheKeys.versionPrefix(v), CacheKeys.OPERATION_PART,
            route.operation()).toCompletableFuture());
      }
    }
    return CompletableFuture.allOf(drops.toArray(CompletableFuture[]::new)).thenApply(x -> {
      long removed = drops.stream().mapToLong(CompletableFuture::join).sum();
      registry.counter("breakwater.cache.flushed.keys", "route", route == null ? ANY_ROUTE : route.route())
          .increment(removed);
      LOG.info("cache flush {}(versions {}): {} keys removed", s.describe(), versions, removed);
      return removed;
    });
  }
}
