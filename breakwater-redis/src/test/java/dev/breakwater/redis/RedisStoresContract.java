package dev.breakwater.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.Breakwater;
import dev.breakwater.BreakwaterException;
import dev.breakwater.CallContext;
import dev.breakwater.OperationKind;
import dev.breakwater.Pipeline;
import dev.breakwater.Source;
import dev.breakwater.cache.CacheConfig;
import dev.breakwater.cache.CacheEntry;
import dev.breakwater.config.PipelineConfig;
import dev.breakwater.config.Policies;
import dev.breakwater.idempotency.IdempotencyConfig;
import dev.breakwater.redis.testing.RedisExtension;
import dev.breakwater.spi.CacheStore;
import dev.breakwater.spi.StoreKeys;
import dev.breakwater.spi.ThrottleGateStore;
import dev.breakwater.testing.StoreContract;
import dev.breakwater.testing.Stores;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The shared {@link StoreContract} on Redis, fleet scenarios included (every {@link #newInstance()} is its own
 * {@link RedisState}), plus what only Redis stores do: gates reloaded by SCAN, and pipelines over Redis state. Run
 * against each topology by a subclass that provides the Redis.
 */
abstract class RedisStoresContract extends StoreContract {
  private static final String TENANT_WITH_DELIMITERS = "t\u001fgraph:{x}%7D";

  private final List<AutoCloseable> open = new ArrayList<>();

  abstract RedisExtension redis();

  RedisStateConfig config() {
    return redis().topology() == RedisExtension.Topology.CLUSTER
        ? RedisStateConfig.cluster(redis().redisCluster().uris()).withCommandTimeout(Duration.ofSeconds(1))
        : RedisStateConfig.standalone(redis().uri()).withCommandTimeout(Duration.ofSeconds(1));
  }

  RedisState connect() {
    RedisState s = RedisState.connect(config());
    open.add(s);
    return s;
  }

  @BeforeEach
  void emptyRedis() {
    redis().flushAll();
  }

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
  }

  @Override
  protected Stores newInstance() {
    RedisState s = connect();
    Stores stores = new Stores(s.rateLimitStore(), s.throttleGateStore(), s.idempotencyStore(ValueCodec.utf8()),
        s.cacheStore("graph", ValueCodec.utf8(), 1000), s.controlStore());
    awaitSubscribed(s, stores.cache());
    return stores;
  }

  @Override
  protected boolean sharesStateAcrossInstances() {
    return true;
  }

  /**
   * Returns once the instance receives its own invalidations: its stores subscribe on one pub/sub connection, gates
   * first, so a message on the cache channel means every channel is live. A message published before that would be
   * lost, and a fleet scenario would wait for it in vain.
   */
  private static void awaitSubscribed(RedisState s, CacheStore<String> cache) {
    CacheStore<String> probe = s.cacheStore("graph", ValueCodec.utf8(), 10);
    String key = StoreKeys.of("probe", UUID.randomUUID().toString());
    long now = System.currentTimeMillis();
    probe.put(key, new CacheEntry<>("probe", now + 60_000, now + 60_000));
    try {
      // Invalidated again on every poll: the invalidations sent before the subscription was live are lost.
      eventually("the instance's subscriptions are live", () -> {
        cache.invalidate(key);
        return probe.get(key) == null;
      });
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  @Test
  void anInstanceThatResyncsReloadsTheGatesClosedElsewhereFromRedis() throws Exception {
    ThrottleGateStore a = newInstance().gates();
    a.close("graph", "contoso", System.currentTimeMillis() + 60_000);
    a.close("graph", TENANT_WITH_DELIMITERS, System.currentTimeMillis() + 60_000);
    RedisState c = connect();
    eventually("both gates are in Redis", () -> c.resyncGates().toCompletableFuture().join() >= 2);
    assertThat(c.throttleGateStore().closedUntil("graph", "contoso")).isPositive();
    assertThat(c.throttleGateStore().closedUntil("graph", TENANT_WITH_DELIMITERS)).as("an id with delimiters")
        .isPositive();
    assertThat(c.throttleGateStore().closedUntil("graph", "t")).isZero();
  }

  @Test
  void thirtyTwoConcurrentDuplicatesOverTwoInstancesExecuteOnce() throws Exception {
    Policies policies = Policies.builder().idempotency("i", IdempotencyConfig.defaults()).build();
    List<Pipeline<String>> pipelines = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      RedisState s = connect();
      pipelines.add(Breakwater.builder().policies(policies).build().<String>pipeline(
          PipelineConfig.named("send").withUpstream("graph").withIdempotency("i"))
          .idempotencyStore(s.idempotencyStore(ValueCodec.utf8())).build());
    }
    CallContext send = CallContext.builder().tenant("contoso").operation("send").kind(OperationKind.WRITE)
        .idempotencyKey("order-7").fingerprint("POST /send #1").build();
    AtomicInteger executions = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(32);
    try {
      CyclicBarrier start = new CyclicBarrier(32);
      List<Future<String>> results = new ArrayList<>();
      for (int i = 0; i < 32; i++) {
        Pipeline<String> p = pipelines.get(i % 2);
        results.add(pool.submit(() -> {
          start.await();
          try {
            return p.execute(send, () -> {
              executions.incrementAndGet();
              Thread.sleep(50); // hold the reservation while the duplicates arrive
              return "sent";
            });
          } catch (BreakwaterException e) {
            return e.code().name();
          }
        }));
      }
      for (Future<String> f : results) {
        assertThat(f.get(30, TimeUnit.SECONDS)).isIn("sent", "IDEMPOTENCY_CONFLICT");
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(executions).hasValue(1);
  }

  @Test
  void aPrivateEntryInRedisIsServedOnlyToTheCredentialThatFilledIt() throws Exception {
    PipelineConfig c = PipelineConfig.named("me").withUpstream("graph").withCache("c");
    Pipeline<String> writer = instance(c);
    Pipeline<String> reader = instance(c);
    CallContext x = me("contoso", "alice", "/me/mailFolders").toBuilder().credential("digest-X").build();
    writer.execute(x, () -> "seen with X");
    eventually("in Redis", () -> reader.executeForResult(x, () -> "upstream").source() == Source.CACHE);
    CallContext y = x.toBuilder().credential("digest-Y").build();
    assertThat(reader.executeForResult(y, () -> "seen with Y").value()).isEqualTo("seen with Y");
  }

  private static final Policies IDENTITY_POLICIES = Policies.builder()
      .cache("c", CacheConfig.of(Duration.ofMinutes(5)))
      .idempotency("i", IdempotencyConfig.defaults())
      .build();

  /** A pipeline on its own instance (its own L1): what it finds in the cache came from Redis. */
  private Pipeline<String> instance(PipelineConfig c) {
    RedisState s = connect();
    return Breakwater.builder().policies(IDENTITY_POLICIES).build().<String>pipeline(c)
        .cacheStore(s.cacheStore("graph", ValueCodec.utf8(), 1000))
        .idempotencyStore(s.idempotencyStore(ValueCodec.utf8())).build();
  }

  private static CallContext me(String tenant, String user, String resource) {
    return CallContext.builder().tenant(tenant).user(user).operation("me").resource(resource).build();
  }

  @Test
  void aCachedReadInRedisIsNeverServedToAnotherTenantWhoseIdsSplitOnAColonTheOtherWay() throws Exception {
    PipelineConfig c = PipelineConfig.named("me").withUpstream("graph").withCache("c");
    Pipeline<String> writer = instance(c);
    Pipeline<String> reader = instance(c);
    for (String resource : List.of("/sync", "/async")) {
      writer.execute(me("tA", "z:u", resource), () -> "profile of tA/z:u");
      eventually("the entry reached Redis", () -> reader.executeForResult(me("tA", "z:u", resource), () -> "miss")
          .source() == Source.CACHE);
    }
    AtomicInteger upstream = new AtomicInteger();
    assertThat(instance(c).executeForResult(me("tA:z", "u", "/sync"), () -> "sync #" + upstream.incrementAndGet())
        .source()).as("synchronous read of tenant tA:z, user u").isEqualTo(Source.UPSTREAM);
    assertThat(instance(c).executeAsyncForResult(me("tA:z", "u", "/async"), () -> java.util.concurrent
        .CompletableFuture.completedFuture("async #" + upstream.incrementAndGet())).toCompletableFuture()
        .get(10, TimeUnit.SECONDS).source()).as("asynchronous read of tenant tA:z, user u").isEqualTo(Source.UPSTREAM);
    assertThat(upstream).hasValue(2);
  }

  @Test
  void anIdempotentResponseInRedisIsNeverReplayedToAnotherUserOfTheTenant() throws Exception {
    PipelineConfig c = PipelineConfig.named("send").withUpstream("graph").withIdempotency("i");
    CallContext u1 = CallContext.builder().tenant("contoso").user("u1").operation("send").kind(OperationKind.WRITE)
        .idempotencyKey("order-7").fingerprint("POST /send #1").build();
    instance(c).execute(u1, () -> "201 for u1");
    CallContext u2 = u1.toBuilder().user("u2").build();
    assertThat(instance(c).executeForResult(u2, () -> "201 for u2 (sync)").value()).isEqualTo("201 for u2 (sync)");
    CallContext u3 = u1.toBuilder().user("u3").build();
    assertThat(instance(c).executeAsyncForResult(u3, () -> java.util.concurrent.CompletableFuture.completedFuture(
        "201 for u3 (async)")).toCompletableFuture().get(10, TimeUnit.SECONDS).value()).isEqualTo("201 for u3 (async)");
    assertThat(instance(c).executeForResult(u1, () -> "executed again").source()).as("u1's own duplicate replays")
        .isEqualTo(Source.REPLAY);
  }
}
