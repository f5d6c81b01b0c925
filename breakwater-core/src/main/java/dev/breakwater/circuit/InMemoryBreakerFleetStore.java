package dev.breakwater.circuit;

import dev.breakwater.spi.BreakerFleetStore;
import dev.breakwater.time.TimeSource;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A fleet of the engines of one process: changes reach every subscriber at once, on the publisher's thread, and a
 * half-open round is claimed in a map. With one engine it changes nothing (that engine wins every round); engines
 * sharing one instance behave as the replicas of a fleet.
 */
public final class InMemoryBreakerFleetStore implements BreakerFleetStore {
  private final TimeSource time;
  private final List<Consumer<BreakerChange>> listeners = new CopyOnWriteArrayList<>();
  // Breaker key to the nanoTime its round's claim expires; one entry per breaker that ever went half-open.
  private final Map<String, Long> claims = new ConcurrentHashMap<>();

  /** Creates a store whose claims expire on {@code time}. */
  public InMemoryBreakerFleetStore(TimeSource time) {
    this.time = time;
  }

  @Override
  public void publish(BreakerChange change) {
    for (Consumer<BreakerChange> l : listeners) {
      l.accept(change);
    }
  }

  @Override
  public void subscribe(Consumer<BreakerChange> listener) {
    listeners.add(listener);
  }

  @Override
  public CompletionStage<Boolean> claimProbeRound(String key, Duration ttl) {
    long now = time.nanoTime();
    long expires = now + ttl.toNanos();
    boolean[] won = new boolean[1];
    claims.compute(key, (k, until) -> {
      if (until == null || until - now <= 0) {
        won[0] = true;
        return expires;
      }
      return until;
    });
    return CompletableFuture.completedFuture(won[0]);
  }
}
