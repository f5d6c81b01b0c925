package dev.breakwater.redis.internal;

import dev.breakwater.ratelimit.InMemoryRateLimitStore;
import dev.breakwater.ratelimit.RateLimitConfig;
import dev.breakwater.ratelimit.RateLimitDecision;
import dev.breakwater.ratelimit.RateLimitQuota;
import dev.breakwater.redis.RedisStateConfig;
import dev.breakwater.spi.RateLimitStore;
import dev.breakwater.time.TimeSource;
import io.lettuce.core.ScriptOutputType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

/**
 * Rate limits decided inside Redis by one Lua script (GCRA on server time), every limit of a call in one round trip.
 *
 * <p>On standalone Redis every call is one EVALSHA. On a Cluster a script may only touch one slot, so the buckets of a
 * call are grouped by hash tag: tenant-scoped buckets (TENANT, USER, TENANT_OPERATION) share the tenant's tag and are
 * one round trip; cross-tenant buckets (GLOBAL, OPERATION) carry their own tag and cost a second script, refunded if it
 * admits and a later group denies.
 *
 * <p>With leasing on, a call with a single limit takes up to {@code leaseTokens} tokens at once and admits the rest
 * locally for up to {@code leaseTtl}; see docs/decisions for the over-admission bound.
 *
 * <p>When Redis is unreachable the decision is taken by a local GCRA whose rate and burst are divided by the number of
 * live instances last seen, so the fleet as a whole stays near its limit.
 */
public final class RedisRateLimitStore implements RateLimitStore {
  static final RedisConnector.Script GCRA = RedisConnector.Script.resource("gcra.lua");
  static final RedisConnector.Script LEASE = RedisConnector.Script.resource("gcra_lease.lua");
  static final RedisConnector.Script REFUND = RedisConnector.Script.resource("gcra_refund.lua");
  static final RedisConnector.Script INSPECT = RedisConnector.Script.resource("gcra_inspect.lua");

  private final RedisConnector redis;
  private final RedisGuard guard;
  private final InMemoryRateLimitStore local;
  private final IntSupplier liveInstances;
  private final TimeSource time;
  private final int leaseTokens;
  private final long leaseTtlNanos;
  private final Map<String, RateLimitConfig> scaled = new ConcurrentHashMap<>();
  // The last quota Redis reported per bucket, for peek(); short-lived so that it never describes an old state.
  private final Map<String, RateLimitQuota> quotas = com.github.benmanes.caffeine.cache.Caffeine.newBuilder()
      .maximumSize(100_000).expireAfterWrite(java.time.Duration.ofSeconds(2)).executor(Runnable::run)
      .<String, RateLimitQuota>build().asMap();
  // Bounded like every per-key map: an idle bucket's lease has expired anyway.
  private final Map<String, Lease> leases;

  /** Creates the store. */
  public RedisRateLimitStore(RedisConnector redis, RedisGuard guard, InMemoryRateLimitStore local,
      IntSupplier liveInstances, RedisStateConfig config, TimeSource time) {
    this.redis = redis;
    this.guard = guard;
    this.local = local;
    this.liveInstances = liveInstances;
    this.time = time;
    this.leaseTokens = config.leaseTokens() > 1 ? config.leaseTokens() : 0;
    this.leaseTtlNanos = config.leaseTtl().toNanos();
    this.leases = com.github.benmanes.caffeine.cache.Caffeine.newBuilder().maximumSize(100_000)
        .expireAfterWrite(config.leaseTtl().multipliedBy(2)).executor(Runnable::run).<String, Lease>build().asMap();
  }

  /**
   * What the last decision on this instance saw of the bucket: Redis answers it with every admission, so reading it
   * costs no round trip. Informational (the RateLimit response header); null when this instance has not decided on
   * the bucket within the last two seconds, or decided it from a lease.
   */
  @Override
  public RateLimitQuota peek(RateLimitConfig limit, String key) {
    return quotas.get(bucketKey(limit, key));
  }

  /** The bucket as Redis holds it now, for the fleet; on local state while Redis is down. */
  @Override
  public CompletionStage<RateLimitQuota> inspect(RateLimitConfig limit, String key) {
    return guard.call(() -> redis.<List<Object>>eval(INSPECT, ScriptOutputType.MULTI,
        new String[] {bucketKey(limit, key)}, bytes(intervalMicros(limit)), bytes(limit.burst()))
        .thenApply(r -> quota(r, 0)),
        () -> local.peek(limit, key));
  }

  @Override
  public RateLimitDecision tryAcquire(RateLimitConfig limit, String key, int cost) {
    return tryAcquireAllAsync(List.of(limit), List.of(key), cost).toCompletableFuture().join();
  }

  @Override
  public RateLimitDecision tryAcquireAll(List<RateLimitConfig> limits, List<String> keys, int cost) {
    return tryAcquireAllAsync(limits, keys, cost).toCompletableFuture().join();
  }

  @Override
  public CompletionStage<RateLimitDecision> tryAcquireAllAsync(List<RateLimitConfig> limits, List<String> keys,
      int cost) {
    if (leaseTokens > 0 && limits.size() == 1) {
      return leased(limits.get(0), keys.get(0), cost);
    }
    if (!redis.cluster()) {
      return guard.call(() -> decide(limits, keys, 0, limits.size(), cost), () -> fallback(limits, keys, cost));
    }
    Map<String, List<Integer>> groups = new LinkedHashMap<>();
    for (int i = 0; i < limits.size(); i++) {
      groups.computeIfAbsent(tag(limits.get(i), keys.get(i)), k -> new ArrayList<>()).add(i);
    }
    if (groups.size() == 1) {
      return guard.call(() -> decide(limits, keys, 0, limits.size(), cost), () -> fallback(limits, keys, cost));
    }
    return guard.call(() -> decideGroups(limits, keys, new ArrayList<>(groups.values()), 0, cost),
        () -> fallback(limits, keys, cost));
  }

  /** The keys of the given limits by index, one script. */
  private CompletableFuture<RateLimitDecision> decide(List<RateLimitConfig> limits, List<String> keys,
      List<Integer> idx, int cost) {
    String[] k = new String[idx.size()];
    byte[][] args = new byte[1 + 2 * idx.size()][];
    args[0] = bytes(cost);
    for (int j = 0; j < idx.size(); j++) {
      RateLimitConfig l = limits.get(idx.get(j));
      k[j] = bucketKey(l, keys.get(idx.get(j)));
      args[1 + 2 * j] = bytes(intervalMicros(l));
      args[2 + 2 * j] = bytes(l.burst());
    }
    return redis.<List<Object>>eval(GCRA, ScriptOutputType.MULTI, k, args).thenApply(r -> {
      if (Replies.integer(r, 0) == 1L) {
        for (int j = 0; j < k.length && 4 + 2 * j < r.size(); j++) {
          quotas.put(k[j], quota(r, 3 + 2 * j));
        }
        return RateLimitDecision.allowed();
      }
      int denied = idx.get((int) Replies.integer(r, 1) - 1);
      long waitMicros = Replies.integer(r, 2);
      return RateLimitDecision.denied(limits.get(denied).name(), waitMicros < 0 ? -1 : waitMicros * 1000);
    });
  }

  private CompletableFuture<RateLimitDecision> decide(List<RateLimitConfig> limits, List<String> keys, int from,
      int to, int cost) {
    List<Integer> idx = new ArrayList<>(to - from);
    for (int i = from; i < to; i++) {
      idx.add(i);
    }
    return decide(limits, keys, idx, cost);
  }

  private CompletableFuture<RateLimitDecision> decideGroups(List<RateLimitConfig> limits, List<String> keys,
      List<List<Integer>> groups, int g, int cost) {
    if (g == groups.size()) {
      return CompletableFuture.completedFuture(RateLimitDecision.allowed());
    }
    return decide(limits, keys, groups.get(g), cost).thenCompose(d -> {
      if (!d.isAllowed()) {
        return CompletableFuture.completedFuture(d);
      }
      return decideGroups(limits, keys, groups, g + 1, cost).thenCompose(rest -> rest.isAllowed()
          ? CompletableFuture.completedFuture(rest)
          : refund(limits, keys, groups.get(g), cost).thenApply(x -> rest));
    });
  }

  private CompletableFuture<Object> refund(List<RateLimitConfig> limits, List<String> keys, List<Integer> idx,
      int cost) {
    String[] k = new String[idx.size()];
    byte[][] args = new byte[1 + idx.size()][];
    args[0] = bytes(cost);
    for (int j = 0; j < idx.size(); j++) {
      RateLimitConfig l = limits.get(idx.get(j));
      k[j] = bucketKey(l, keys.get(idx.get(j)));
      args[1 + j] = bytes(intervalMicros(l));
    }
    return redis.eval(REFUND, ScriptOutputType.INTEGER, k, args);
  }

  // --- leasing ---

  private CompletionStage<RateLimitDecision> leased(RateLimitConfig limit, String key, int cost) {
    String k = bucketKey(limit, key);
    Lease lease = leases.get(k);
    long now = time.nanoTime();
    if (lease != null) {
      if (lease.take(cost, now)) {
        return CompletableFuture.completedFuture(RateLimitDecision.allowed());
      }
      if (now - lease.expiresAt >= 0) {
        leases.remove(k, lease); // expired: its unused tokens are dropped, never spent late
      }
    }
    byte[][] args = {bytes(intervalMicros(limit)), bytes(limit.burst()), bytes(Math.max(leaseTokens, cost)),
        bytes(cost)};
    return guard.call(() -> redis.<List<Object>>eval(LEASE, ScriptOutputType.MULTI, new String[] {k}, args)
        .thenApply(r -> {
          long granted = Replies.integer(r, 0);
          if (granted == 0) {
            long wait = Replies.integer(r, 1);
            return RateLimitDecision.denied(limit.name(), wait < 0 ? -1 : wait * 1000);
          }
          if (granted > cost) {
            // Concurrent refills of one bucket add up instead of replacing each other: no granted token is lost.
            int extra = (int) (granted - cost);
            long expires = time.nanoTime() + leaseTtlNanos;
            leases.merge(k, new Lease(extra, expires), (old, fresh) -> old.expiresAt - fresh.expiresAt < 0
                ? new Lease(Math.max(0, old.remaining.get()) + extra, old.expiresAt) : old.add(extra));
          }
          return RateLimitDecision.allowed();
        }), () -> fallback(List.of(limit), List.of(key), cost));
  }

  /** Tokens taken from Redis ahead of use; they are dropped unused once the lease ends. */
  private static final class Lease {
    final AtomicInteger remaining;
    final long expiresAt;

    Lease(int tokens, long expiresAt) {
      this.remaining = new AtomicInteger(tokens);
      this.expiresAt = expiresAt;
    }

    Lease add(int tokens) {
      remaining.addAndGet(tokens);
      return this;
    }

    boolean take(int cost, long now) {
      if (now - expiresAt >= 0) {
        return false;
      }
      while (true) {
        int r = remaining.get();
        if (r < cost) {
          return false;
        }
        if (remaining.compareAndSet(r, r - cost)) {
          return true;
        }
      }
    }
  }

  // --- fallback and keys ---

  private RateLimitDecision fallback(List<RateLimitConfig> limits, List<String> keys, int cost) {
    int n = Math.max(1, liveInstances.getAsInt());
    List<RateLimitConfig> local = new ArrayList<>(limits.size());
    for (RateLimitConfig l : limits) {
      local.add(n == 1 ? l : scaled.compute(l.name(), (name, prev) -> {
        long permits = Math.max(1, l.permits() / n);
        long burst = Math.max(1, l.burst() / n);
        return prev != null && prev.permits() == permits && prev.burst() == burst && prev.period()
            .equals(l.period()) ? prev : new RateLimitConfig(l.name(), true, l.scope(), permits, l.period(), burst);
      }));
    }
    return this.local.tryAcquireAll(local, keys, cost);
  }

  private String bucketKey(RateLimitConfig limit, String key) {
    return redis.prefix() + ":rl:" + tag(limit, key) + ":" + limit.name() + ":" + key;
  }

  private static String tag(RateLimitConfig limit, String key) {
    return limit.scope().byTenant() ? Keys.tenantTag(key) : "{*global}";
  }

  /** A bucket's state as the scripts report it: remaining tokens at {@code at}, microseconds to full after it. */
  static RateLimitQuota quota(List<Object> reply, int at) {
    long fullMicros = Math.max(0, Replies.integer(reply, at + 1));
    // Rounded up without adding first: a time to full near Long.MAX_VALUE must not wrap negative.
    long reset = fullMicros / 1_000_000 + (fullMicros % 1_000_000 == 0 ? 0 : 1);
    return new RateLimitQuota(Math.max(0, Replies.integer(reply, at)), reset);
  }

  private static double intervalMicrosRaw(RateLimitConfig l) {
    return l.period().toNanos() / 1000.0 / l.permits();
  }

  private static String intervalMicros(RateLimitConfig l) {
    return Double.toString(intervalMicrosRaw(l));
  }

  private static byte[] bytes(Object o) {
    return String.valueOf(o).getBytes(StandardCharsets.US_ASCII);
  }
}
