package dev.breakwater.gateway.cache;

import dev.breakwater.cache.CacheKeys;
import dev.breakwater.gateway.config.RouteConfig;
import dev.breakwater.spi.CacheStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drops what a successful write changed: a 2xx non-GET request on a route with {@code invalidates} removes the named
 * routes' entries of its tenant (all of them for a shared cache, its user's — every credential — for a private one)
 * before the write is answered, so that the caller's next read goes upstream.
 */
public final class WriteInvalidation {
  private static final Logger LOG = LoggerFactory.getLogger(WriteInvalidation.class);

  private final RouteCaches caches;
  private final CacheStore<?> store;
  private final MeterRegistry registry;

  /** Invalidation for {@code caches}' routes in {@code store}, counted in {@code registry}. */
  public WriteInvalidation(RouteCaches caches, CacheStore<?> store, MeterRegistry registry) {
    this.caches = caches;
    this.store = store;
    this.registry = registry;
  }

  /**
   * Runs {@code answer} once the entries that a request with this method and status on {@code route} changed are
   * dropped (at once when it changed none), on {@code loop}. A failed invalidation is logged and the answer still sent:
   * the write happened, and its caller must learn so.
   */
  public CompletableFuture<Void> thenAnswer(RouteConfig route, String method, int status, String tenant, String user,
      Context loop, Supplier<CompletableFuture<Void>> answer) {
    if (route.invalidates().isEmpty() || status < 200 || status >= 300 || "GET".equals(method)
        || "HEAD".equals(method)) {
      return answer.get();
    }
    List<CompletableFuture<Long>> drops = new ArrayList<>();
    for (String name : route.invalidates()) {
      caches.of(name).ifPresent(c -> drops.add(store.invalidatePrefixAsync(CacheKeys.userPrefix(c.version(), tenant,
          c.operation(), c.shared(), user)).toCompletableFuture().thenApply(n -> {
            registry.counter("breakwater.cache.invalidated.keys", "route", name).increment(n);
            return n;
          })));
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    CompletableFuture.allOf(drops.toArray(CompletableFuture[]::new)).whenComplete((x, e) -> {
      if (e != null) {
        LOG.warn("a {} on route {} could not invalidate the cached routes {}: {}", method, route.name(),
            route.invalidates(), e.toString());
      }
      Runnable send = () -> answer.get().whenComplete((v, t) -> {
        if (t != null) {
          done.completeExceptionally(t); // the relay's safety net handles a failed answer
        } else {
          done.complete(null);
        }
      });
      if (Vertx.currentContext() == loop) {
        send.run();
      } else {
        loop.runOnContext(v -> send.run());
      }
    });
    return done;
  }
}
