package dev.breakwater.redis.internal;

import dev.breakwater.spi.BreakerFleetStore;
import dev.breakwater.spi.StoreKeys;
import dev.breakwater.time.TimeSource;
import io.lettuce.core.SetArgs;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fleet-aware breakers in Redis. An opening is written as a key that expires when the breaker would probe, and
 * published; a closing deletes the key and is published; every instance hears the channel. Messages carry the
 * remaining open time rather than an instant, so instances with skewed clocks agree within the propagation delay.
 * A half-open round is claimed with {@code SET NX PX}: the first instance to ask gets it. After a reconnect, and when
 * an engine subscribes, the breakers still open are replayed from their keys (messages published meanwhile are lost).
 * While Redis is down every instance decides alone: publishing is dropped and every claim is granted (counted as a
 * decision on local state).
 */
public final class RedisBreakerFleetStore implements BreakerFleetStore {
  private static final Logger LOG = LoggerFactory.getLogger(RedisBreakerFleetStore.class);
  private static final String OPENED = "open";
  private static final String CLOSED = "closed";

  private final RedisConnector redis;
  private final RedisGuard guard;
  private final TimeSource time;
  private final String channel;
  private final String openPrefix;
  private final String claimPrefix;
  private final List<Consumer<BreakerChange>> listeners = new CopyOnWriteArrayList<>();

  /** Creates the store and subscribes to the fleet's breaker channel. */
  public RedisBreakerFleetStore(RedisConnector redis, RedisGuard guard, TimeSource time) {
    this.redis = redis;
    this.guard = guard;
    this.time = time;
    this.channel = redis.prefix() + ":breakers";
    this.openPrefix = redis.prefix() + ":breaker:";
    this.claimPrefix = redis.prefix() + ":probe:";
    redis.subscribe((ch, message) -> onMessage(message), channel);
    redis.onReconnect(this::resync);
  }

  @Override
  public void publish(BreakerChange change) {
    String key = openPrefix + Keys.tag(change.tenant()) + change.breakerKey();
    long remaining = change.opened() ? change.openUntilEpochMillis() - time.epochMillis() : 0;
    if (change.opened() && remaining <= 0) {
      return;
    }
    byte[] message = StoreKeys.ofParts(change.replica(), change.opened() ? OPENED : CLOSED, Long.toString(remaining),
        change.upstream(), change.tenant(), change.config()).getBytes(StandardCharsets.UTF_8);
    // The key and the message go out together (one round trip on the pipelined connection).
    CompletableFuture<?> state = change.opened()
        ? redis.commands().set(key, Long.toString(remaining).getBytes(StandardCharsets.US_ASCII),
            SetArgs.Builder.px(remaining)).toCompletableFuture()
        : redis.commands().del(key).toCompletableFuture();
    guard.fireAndForget(() -> CompletableFuture.allOf(state,
        redis.commands().publish(channel, message).toCompletableFuture()), "publish breaker");
  }

  @Override
  public void subscribe(Consumer<BreakerChange> listener) {
    listeners.add(listener);
    resync(); // breakers opened before this engine started listening
  }

  @Override
  public CompletionStage<Boolean> claimProbeRound(String key, Duration ttl) {
    byte[] claimed = Long.toString(time.epochMillis()).getBytes(StandardCharsets.US_ASCII);
    return guard.call(() -> redis.commands().set(claimPrefix + key, claimed,
        SetArgs.Builder.nx().px(Math.max(1, ttl.toMillis()))).toCompletableFuture().thenApply("OK"::equals),
        () -> Boolean.TRUE);
  }

  private void onMessage(byte[] message) {
    try {
      List<String> m = StoreKeys.parts(new String(message, StandardCharsets.UTF_8));
      boolean opened = m.get(1).equals(OPENED);
      long until = opened ? time.epochMillis() + Long.parseLong(m.get(2)) : 0;
      deliver(new BreakerChange(m.get(0), m.get(3), m.get(4), m.get(5), until));
    } catch (RuntimeException e) {
      LOG.warn("ignored a malformed breaker message on {}", channel, e);
    }
  }

  private void deliver(BreakerChange change) {
    for (Consumer<BreakerChange> l : listeners) {
      try {
        l.accept(change);
      } catch (RuntimeException e) {
        LOG.warn("a breaker listener failed on {}", change, e);
      }
    }
  }

  /** Replays every breaker still open in Redis to the listeners; completes with how many were found. */
  public CompletableFuture<Integer> resync() {
    if (listeners.isEmpty()) {
      return CompletableFuture.completedFuture(0);
    }
    return KeyScan.live(redis, openPrefix, "open breakers", (breaker, ttl) -> {
      try {
        List<String> p = StoreKeys.parts(breaker);
        deliver(new BreakerChange(null, p.get(0), p.get(1), p.get(2), time.epochMillis() + ttl));
      } catch (RuntimeException e) {
        LOG.debug("skipped a breaker key of another layout: {}", breaker);
      }
    });
  }
}
