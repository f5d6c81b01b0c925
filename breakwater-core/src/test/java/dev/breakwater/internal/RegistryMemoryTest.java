package dev.breakwater.internal;

import dev.breakwater.event.Events;
import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.CallContext;
import dev.breakwater.circuit.CircuitBreaker;
import dev.breakwater.circuit.CircuitBreakerConfig;
import dev.breakwater.event.BreakwaterListener;
import dev.breakwater.ratelimit.InMemoryRateLimitStore;
import dev.breakwater.ratelimit.RateLimitConfig;
import dev.breakwater.ratelimit.RateLimitScope;
import dev.breakwater.time.VirtualTimeSource;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

/**
 * A flood of distinct tenant keys cannot exhaust memory: the per-key registries keep at most their capacity, evict
 * the rest, and warn once when they fill up.
 */
class RegistryMemoryTest {
  private static final int KEYS = 1_000_000;
  private static final long CAPACITY = 10_000;
  private static final Duration IDLE = Duration.ofMinutes(10);
  /**
   * The retained heap allowed for both registries full. Measured at about 9.5 MB (a rate-limit bucket is a key and an
   * AtomicLong; a breaker with a 100-call ring about 700 bytes; 10,000 of each plus the caches' own structures);
   * the bound, about 3x that, leaves room for JVM and GC variance.
   */
  private static final long RETAINED_BOUND_BYTES = 32L << 20;

  /** Counts the near-capacity warnings and evictions per registry. */
  static final class Recorder implements BreakwaterListener {
    final Map<String, LongAdder> nearCapacity = new ConcurrentHashMap<>();
    final Map<String, LongAdder> evictions = new ConcurrentHashMap<>();
    final List<Long> fillPercentWhenTold = new CopyOnWriteArrayList<>();

    @Override
    public void onRegistryNearCapacity(String registry, long size, long capacity) {
      // Recorded, not asserted here: the engine catches whatever a listener throws.
      fillPercentWhenTold.add(size * 100 / capacity);
      nearCapacity.computeIfAbsent(registry, r -> new LongAdder()).increment();
    }

    @Override
    public void onRegistryEviction(String registry, long count) {
      evictions.computeIfAbsent(registry, r -> new LongAdder()).add(count);
    }
  }

  @Test
  void aMillionDistinctTenantsStayWithinTheRegistryCapacity() {
    Recorder recorder = new Recorder();
    Events events = new Events(List.of(recorder));
    VirtualTimeSource time = new VirtualTimeSource();
    CircuitBreakerConfig breakerConfig = CircuitBreakerConfig.defaults()
        .withWindow(CircuitBreakerConfig.WindowType.COUNT_BASED, 100);
    RateLimitConfig perTenant = RateLimitConfig.of("per-tenant", RateLimitScope.TENANT, 100, Duration.ofSeconds(1));
    long baseline = usedHeapAfterGc();

    InMemoryRateLimitStore store = new InMemoryRateLimitStore(time, CAPACITY, IDLE, events);
    KeyedRegistry<CircuitBreaker> breakers = new KeyedRegistry<>("breakers:upstream", CAPACITY, IDLE,
        tenant -> new CircuitBreaker(tenant, breakerConfig, time, (where, error) -> {}), time, events);
    long denied = 0;
    for (int i = 0; i < KEYS; i++) {
      String tenant = "tenant-" + i;
      String key = RateLimitScope.TENANT.key(CallContext.read(tenant, "op"));
      if (!store.tryAcquire(perTenant, key, 1).isAllowed()) {
        denied++;
      }
      if (!breakers.get(tenant).tryAcquirePermission()) {
        denied++;
      }
      if (i % 1000 == 0) {
        time.advance(Duration.ofMillis(1)); // a million tenants arriving over 1 s of virtual time
      }
    }
    KeyedRegistry<?> buckets = store.registry(perTenant);
    buckets.cleanUp();
    breakers.cleanUp();
    long retained = usedHeapAfterGc() - baseline;
    System.out.printf("RegistryMemoryTest: %,d distinct keys through 2 registries of capacity %,d retain %,d bytes "
        + "(%.1f MB) of heap; buckets held %,d (evicted %,d), breakers held %,d (evicted %,d)%n", KEYS, CAPACITY,
        retained, retained / 1048576.0, buckets.size(), buckets.evictions(), breakers.size(), breakers.evictions());

    assertThat(denied).as("every key was new, so nothing was denied").isZero();
    for (KeyedRegistry<?> r : List.of(buckets, breakers)) {
      assertThat(r.size()).as("%s holds at most its capacity", r.name()).isLessThanOrEqualTo(CAPACITY);
      assertThat(r.evictions()).as("%s evicted the rest", r.name()).isGreaterThanOrEqualTo(KEYS - CAPACITY);
      assertThat(recorder.evictions.get(r.name()).sum()).as("%s reported every eviction", r.name())
          .isEqualTo(r.evictions());
    }
    assertThat(recorder.nearCapacity.keySet()).containsExactlyInAnyOrder("ratelimit:per-tenant", "breakers:upstream");
    assertThat(recorder.nearCapacity.get("ratelimit:per-tenant").sum()).as("warned once").isEqualTo(1);
    assertThat(recorder.nearCapacity.get("breakers:upstream").sum()).as("warned once").isEqualTo(1);
    assertThat(recorder.fillPercentWhenTold).allSatisfy(p -> assertThat(p).isBetween(90L, 100L));
    assertThat(retained).as("retained heap in bytes").isLessThan(RETAINED_BOUND_BYTES);
    Reference.reachabilityFence(store);
    Reference.reachabilityFence(breakers);
  }

  /** The used heap after a few full collections (the smallest reading, to skip garbage the collector left). */
  private static long usedHeapAfterGc() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 4; i++) {
      System.gc();
      used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
    }
    return used;
  }
}
