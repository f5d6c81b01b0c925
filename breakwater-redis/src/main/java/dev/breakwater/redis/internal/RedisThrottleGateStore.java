package dev.breakwater.redis.internal;

import dev.breakwater.spi.StoreKeys;
import dev.breakwater.spi.ThrottleGateStore;
import dev.breakwater.throttle.InMemoryThrottleGateStore;
import dev.breakwater.time.TimeSource;
import io.lettuce.core.SetArgs;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Throttle gates shared by a fleet. Closing a gate writes it to Redis (a key that expires with the gate) and
 * publishes it; every instance applies published gates to its own local map, so the per-call check never leaves the
 * process. Messages carry the remaining duration rather than an instant, so instances with skewed clocks agree
 * (within the propagation delay). After a reconnect an instance reloads the open gates with SCAN, since messages
 * published while it was away are lost.
 */
public final class RedisThrottleGateStore implements ThrottleGateStore {
  private static final Logger LOG = LoggerFactory.getLogger(RedisThrottleGateStore.class);

  private final RedisConnector redis;
  private final RedisGuard guard;
  private final InMemoryThrottleGateStore local;
  private final TimeSource time;
  private final String channel;
  private final String keyPrefix;
  private final String instance = java.util.UUID.randomUUID().toString();

  /** Creates the store and subscribes to the fleet's gate channel. */
  public RedisThrottleGateStore(RedisConnector redis, RedisGuard guard, InMemoryThrottleGateStore local,
      TimeSource time) {
    this.redis = redis;
    this.guard = guard;
    this.local = local;
    this.time = time;
    this.channel = redis.prefix() + ":gates";
    this.keyPrefix = redis.prefix() + ":gate:";
    redis.subscribe((ch, message) -> onMessage(message), channel);
    redis.onReconnect(this::resync);
  }

  @Override
  public long closedUntil(String upstream, String tenant) {
    return local.closedUntil(upstream, tenant);
  }

  @Override
  public void close(String upstream, String tenant, long untilEpochMillis) {
    local.close(upstream, tenant, untilEpochMillis);
    long remaining = untilEpochMillis - time.epochMillis();
    if (remaining <= 0) {
      return;
    }
    // Tenant first, as in every store key; both encoded so that no id can shift the other's boundary.
    String member = StoreKeys.of(tenant, upstream);
    byte[] message = StoreKeys.of(instance, Long.toString(remaining), tenant, upstream)
        .getBytes(StandardCharsets.UTF_8);
    // SET and PUBLISH go out together (one round trip on the pipelined connection), not one after the other.
    guard.fireAndForget(() -> CompletableFuture.allOf(
        redis.commands().set(keyPrefix + Keys.tag(tenant) + member,
            Long.toString(remaining).getBytes(StandardCharsets.US_ASCII), SetArgs.Builder.px(remaining))
            .toCompletableFuture(),
        redis.commands().publish(channel, message).toCompletableFuture()), "publish gate");
  }

  private void onMessage(byte[] message) {
    try {
      java.util.List<String> m = StoreKeys.parts(new String(message, StandardCharsets.UTF_8));
      if (m.get(0).equals(instance)) {
        return; // our own gate, already closed locally (re-applying it would stretch it by the round trip)
      }
      long remaining = Long.parseLong(m.get(1));
      local.close(m.get(3), m.get(2), time.epochMillis() + remaining);
    } catch (RuntimeException e) {
      LOG.warn("ignored a malformed gate message on {}", channel, e);
    }
  }

  /** The gates this instance knows closed for an upstream (tenant to epoch millis), for admin listings. */
  @Override
  public java.util.Map<String, Long> closedGates(String upstream) {
    return local.closedGates(upstream);
  }

  /** Reloads every open gate from Redis (after a reconnect, messages published meanwhile are lost). */
  public CompletableFuture<Integer> resync() {
    return KeyScan.live(redis, keyPrefix, "throttle gates", (member, ttl) -> {
      try {
        local.close(StoreKeys.part(member, 1), StoreKeys.tenantOf(member), time.epochMillis() + ttl);
      } catch (IllegalArgumentException e) {
        // A gate written by an older version (another member layout): it expires with its window.
        LOG.debug("skipped a gate key of another layout: {}", member);
      }
    });
  }
}
