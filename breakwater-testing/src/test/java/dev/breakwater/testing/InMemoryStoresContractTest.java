package dev.breakwater.testing;

import dev.breakwater.cache.CaffeineCacheStore;
import dev.breakwater.control.InMemoryControlStore;
import dev.breakwater.event.Events;
import dev.breakwater.idempotency.InMemoryIdempotencyStore;
import dev.breakwater.ratelimit.InMemoryRateLimitStore;
import dev.breakwater.throttle.InMemoryThrottleGateStore;
import dev.breakwater.time.TimeSource;
import dev.breakwater.time.VirtualTimeSource;
import java.time.Duration;
import java.util.List;

/**
 * The store contract on breakwater-core's in-memory stores, on virtual time. It runs here because breakwater-core
 * cannot depend on this module (this module depends on it).
 */
class InMemoryStoresContractTest extends StoreContract {
  // JUnit creates a test instance per test: every scenario gets its own clock.
  private final VirtualTimeSource time = new VirtualTimeSource();

  @Override
  protected Stores newInstance() {
    Events events = new Events(List.of());
    return new Stores(new InMemoryRateLimitStore(time, 10_000, Duration.ofMinutes(10), events),
        new InMemoryThrottleGateStore(time, 10_000, events), new InMemoryIdempotencyStore<>(time, 10_000),
        new CaffeineCacheStore<>(time, 10_000), new InMemoryControlStore());
  }

  @Override
  protected TimeSource time() {
    return time;
  }
}
