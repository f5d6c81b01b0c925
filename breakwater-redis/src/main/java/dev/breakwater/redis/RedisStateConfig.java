package dev.breakwater.redis;

import static dev.breakwater.config.Checks.atLeast;
import static dev.breakwater.config.Checks.check;
import static dev.breakwater.config.Checks.notNegative;
import static dev.breakwater.config.Checks.positive;

import java.time.Duration;
import java.util.List;

/**
 * How Breakwater reaches Redis and how it behaves when Redis fails.
 *
 * @param uris                 one URI for standalone ({@code redis://host:port}) or Sentinel
 *                             ({@code redis-sentinel://host:port/0#master}); one or more seed nodes for Cluster
 * @param cluster              whether {@code uris} are Redis Cluster seed nodes
 * @param keyPrefix            prefix of every key and channel, so several deployments can share a Redis
 * @param commandTimeout       the longest one Redis command may take before the store falls back to local state
 * @param openDuration         how long the store stays on local state after Redis failed, before it probes again
 * @param failuresToOpen       consecutive-ish failures (of the last 10 commands) that move the store to local state
 * @param idempotencyReplicas  replicas that must acknowledge a completed idempotency record (WAIT); 0 for none
 * @param replicaWait          the longest WAIT blocks
 * @param heartbeat            how often an instance announces itself (the fallback divides limits by live instances)
 * @param maxCacheValueBytes   the largest value the L2 cache stores (larger ones stay in L1 only)
 * @param leaseTokens          tokens an instance takes from Redis at once for one bucket (0 or 1 turns leasing off)
 * @param leaseTtl             the longest a leased token may be held before it is used or dropped
 */
public record RedisStateConfig(List<String> uris, boolean cluster, String keyPrefix, Duration commandTimeout,
    Duration openDuration, int failuresToOpen, int idempotencyReplicas, Duration replicaWait, Duration heartbeat,
    int maxCacheValueBytes, int leaseTokens, Duration leaseTtl) {

  /** Validates every field. */
  public RedisStateConfig {
    check(uris != null && !uris.isEmpty(), "uris", uris, "at least one redis:// URI");
    uris = List.copyOf(uris);
    for (String u : uris) {
      check(u.startsWith("redis://") || u.startsWith("rediss://") || u.startsWith("redis-sentinel://"), "uris", u,
          "a URI starting with redis://, rediss:// or redis-sentinel://");
    }
    check(keyPrefix != null && !keyPrefix.isBlank() && keyPrefix.indexOf('{') < 0, "keyPrefix", keyPrefix,
        "a non-blank prefix without '{'");
    positive("commandTimeout", commandTimeout);
    positive("openDuration", openDuration);
    check(failuresToOpen >= 1 && failuresToOpen <= 10, "failuresToOpen", failuresToOpen, "1..10");
    atLeast("idempotencyReplicas", idempotencyReplicas, 0);
    notNegative("replicaWait", replicaWait);
    positive("heartbeat", heartbeat);
    atLeast("maxCacheValueBytes", maxCacheValueBytes, 1);
    atLeast("leaseTokens", leaseTokens, 0);
    positive("leaseTtl", leaseTtl);
  }

  /** A standalone (or Sentinel) Redis at {@code uri} with the defaults. */
  public static RedisStateConfig standalone(String uri) {
    return new RedisStateConfig(List.of(uri), false, "bw", Duration.ofMillis(100), Duration.ofSeconds(2), 3, 0,
        Duration.ofMillis(100), Duration.ofSeconds(2), 512 * 1024, 0, Duration.ofMillis(100));
  }

  /** A Redis Cluster reached through the given seed nodes, with the defaults. */
  public static RedisStateConfig cluster(List<String> seeds) {
    return new RedisStateConfig(seeds, true, "bw", Duration.ofMillis(100), Duration.ofSeconds(2), 3, 0,
        Duration.ofMillis(100), Duration.ofSeconds(2), 512 * 1024, 0, Duration.ofMillis(100));
  }

  /** Returns a copy with the key prefix set. */
  public RedisStateConfig withKeyPrefix(String v) {
    return new RedisStateConfig(uris, cluster, v, commandTimeout, openDuration, failuresToOpen,
        idempotencyReplicas, replicaWait, heartbeat, maxCacheValueBytes, leaseTokens, leaseTtl);
  }

  /** Returns a copy with the command timeout set. */
  public RedisStateConfig withCommandTimeout(Duration v) {
    return new RedisStateConfig(uris, cluster, keyPrefix, v, openDuration, failuresToOpen,
        idempotencyReplicas, replicaWait, heartbeat, maxCacheValueBytes, leaseTokens, leaseTtl);
  }

  /** Returns a copy with how long the store stays on local state after a failure. */
  public RedisStateConfig withOpenDuration(Duration v) {
    return new RedisStateConfig(uris, cluster, keyPrefix, commandTimeout, v, failuresToOpen,
        idempotencyReplicas, replicaWait, heartbeat, maxCacheValueBytes, leaseTokens, leaseTtl);
  }

  /** Returns a copy that waits for {@code replicas} acknowledgements of completed idempotency records. */
  public RedisStateConfig withIdempotencyReplicas(int replicas, Duration wait) {
    return new RedisStateConfig(uris, cluster, keyPrefix, commandTimeout, openDuration, failuresToOpen,
        replicas, wait, heartbeat, maxCacheValueBytes, leaseTokens, leaseTtl);
  }

  /** Returns a copy with the heartbeat interval set. */
  public RedisStateConfig withHeartbeat(Duration v) {
    return new RedisStateConfig(uris, cluster, keyPrefix, commandTimeout, openDuration, failuresToOpen,
        idempotencyReplicas, replicaWait, v, maxCacheValueBytes, leaseTokens, leaseTtl);
  }

  /** Returns a copy with local leasing of {@code tokens} tokens held at most {@code ttl}. */
  public RedisStateConfig withLeasing(int tokens, Duration ttl) {
    return new RedisStateConfig(uris, cluster, keyPrefix, commandTimeout, openDuration, failuresToOpen,
        idempotencyReplicas, replicaWait, heartbeat, maxCacheValueBytes, tokens, ttl);
  }

  /** Returns a copy with the largest L2 cache value set. */
  public RedisStateConfig withMaxCacheValueBytes(int v) {
    return new RedisStateConfig(uris, cluster, keyPrefix, commandTimeout, openDuration, failuresToOpen,
        idempotencyReplicas, replicaWait, heartbeat, v, leaseTokens, leaseTtl);
  }
}
