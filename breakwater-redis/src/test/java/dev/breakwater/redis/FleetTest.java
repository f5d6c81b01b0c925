package dev.breakwater.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.Breakwater;
import dev.breakwater.BreakwaterException;
import dev.breakwater.CallContext;
import dev.breakwater.ErrorCode;
import dev.breakwater.Pipeline;
import dev.breakwater.config.PipelineConfig;
import dev.breakwater.config.Policies;
import dev.breakwater.ratelimit.RateLimitConfig;
import dev.breakwater.ratelimit.RateLimitScope;
import dev.breakwater.redis.testing.OwnRedis;
import dev.breakwater.spi.StoreKeys;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A fleet of engine instances, each with its own Lettuce client, sharing limits in one Redis — and what happens to
 * the fleet when Redis is killed and comes back. Each test owns its redis-server, since some kill it.
 */
class FleetTest {
  private static final RateLimitConfig LIMIT = RateLimitConfig.of("tenant", RateLimitScope.TENANT, 200,
      Duration.ofSeconds(1)).withBurst(20);

  @RegisterExtension
  final OwnRedis redis = new OwnRedis();

  private Pipeline<String> instance(RedisStateConfig config) {
    RedisState s = redis.connect(config);
    return Breakwater.builder().policies(Policies.builder().rateLimit(LIMIT).build())
        .rateLimitStore(s.rateLimitStore()).throttleGateStore(s.throttleGateStore()).build()
        .<String>pipeline(PipelineConfig.named("graph").withUpstream("graph").withRateLimits(List.of("tenant")))
        .build();
  }

  private static void eventually(String what, BooleanSupplier condition) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("not within 30 s: " + what);
      }
      Thread.sleep(20);
    }
  }

  @Test
  void fourInstancesAdmitNoMoreThanTheLimitTogether() throws Exception {
    List<Pipeline<String>> fleet = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      fleet.add(instance(RedisStateConfig.standalone(redis.server().uri())));
    }
    AtomicLong admitted = new AtomicLong();
    AtomicLong denied = new AtomicLong();
    AtomicLong other = new AtomicLong();
    long runNanos = TimeUnit.SECONDS.toNanos(10);
    CountDownLatch done = new CountDownLatch(4);
    long start = System.nanoTime();
    for (Pipeline<String> p : fleet) {
      Thread t = new Thread(() -> {
        try {
          CallContext ctx = CallContext.read("contoso", "list");
          while (System.nanoTime() - start < runNanos) {
            try {
              p.execute(ctx, () -> "ok");
              admitted.incrementAndGet();
            } catch (BreakwaterException e) {
              (e.code() == ErrorCode.RATE_LIMITED ? denied : other).incrementAndGet();
            }
          }
        } finally {
          done.countDown();
        }
      });
      t.start();
    }
    assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
    double seconds = (System.nanoTime() - start) / 1e9;
    double bound = 200 * seconds * 1.01 + 20;
    System.out.printf("fleet accuracy: admitted=%d denied=%d over %.2f s, bound %.0f (limit 200/s, burst 20)%n",
        admitted.get(), denied.get(), seconds, bound);
    assertThat(other).hasValue(0);
    assertThat(redis.states()).allSatisfy(s -> assertThat(s.health().degraded()).isFalse());
    assertThat((double) admitted.get()).isLessThanOrEqualTo(bound);
    assertThat((double) admitted.get()).as("the shared limit is used, not starved").isGreaterThan(200 * 9.0);
  }

  @Test
  void killingRedisMidLoadFallsBackWithoutAnExceptionAndTheFleetReturnsWhenRedisDoes() throws Exception {
    RedisStateConfig config = RedisStateConfig.standalone(redis.server().uri()).withHeartbeat(Duration.ofMillis(200))
        .withOpenDuration(Duration.ofMillis(500));
    List<Pipeline<String>> fleet = List.of(instance(config), instance(config));
    eventually("both instances see each other", () -> redis.states().get(0).health().liveInstances() == 2);

    Map<String, AtomicLong> outcomes = new ConcurrentHashMap<>();
    AtomicBoolean running = new AtomicBoolean(true);
    List<Thread> load = new ArrayList<>();
    for (Pipeline<String> p : fleet) {
      Thread t = new Thread(() -> {
        CallContext ctx = CallContext.read("contoso", "list");
        while (running.get()) {
          String o;
          try {
            o = p.execute(ctx, () -> "ok");
          } catch (BreakwaterException e) {
            o = e.code().name();
          } catch (RuntimeException e) {
            o = "exception " + e;
          }
          outcomes.computeIfAbsent(o, k -> new AtomicLong()).incrementAndGet();
          try {
            Thread.sleep(1);
          } catch (InterruptedException e) {
            return;
          }
        }
      });
      t.start();
      load.add(t);
    }
    Thread.sleep(500);
    redis.server().kill9();
    eventually("the instances notice", () -> redis.states().stream().allMatch(s -> s.health().degraded()));
    long degradedBefore = redis.states().stream().mapToLong(s -> s.health().degradedDecisions()).sum();
    Thread.sleep(1000);
    redis.server().restart();
    eventually("the instances return to Redis", () -> redis.states().stream().noneMatch(s -> s.health().degraded()));
    Thread.sleep(300);
    running.set(false);
    for (Thread t : load) {
      t.join(10_000);
    }
    long degraded = redis.states().stream().mapToLong(s -> s.health().degradedDecisions()).sum();
    System.out.printf("chaos: outcomes=%s, decisions on local state=%d (%d when the outage was noticed)%n",
        outcomes, degraded, degradedBefore);
    assertThat(outcomes.keySet()).allMatch(k -> k.equals("ok") || k.equals("RATE_LIMITED"));
    assertThat(degraded).isGreaterThan(degradedBefore);
  }

  @Test
  void whileRedisIsDownEachInstanceTakesItsShareOfTheLimit() throws Exception {
    RedisStateConfig config = RedisStateConfig.standalone(redis.server().uri()).withHeartbeat(Duration.ofMillis(200));
    instance(config);
    instance(config);
    eventually("both instances see each other", () -> redis.states().get(0).health().liveInstances() == 2);
    redis.server().kill9();
    RateLimitConfig ten = RateLimitConfig.of("ten", RateLimitScope.TENANT, 10, Duration.ofMinutes(1));
    int admitted = 0;
    for (int i = 0; i < 20; i++) {
      admitted += redis.states().get(0).rateLimitStore().tryAcquire(ten, StoreKeys.of("contoso"), 1).isAllowed() ? 1 : 0;
    }
    assertThat(admitted).as("10 tokens split over 2 live instances").isEqualTo(5);
    assertThat(redis.states().get(0).health().degraded()).isTrue();
    assertThat(redis.states().get(0).health().detail()).startsWith("state store degraded");
  }
}
