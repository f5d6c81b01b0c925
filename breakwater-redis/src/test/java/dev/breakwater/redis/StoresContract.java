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
import dev.breakwater.cache.CacheKeys;
import dev.breakwater.config.PipelineConfig;
import dev.breakwater.config.Policies;
import dev.breakwater.idempotency.IdempotencyConfig;
import dev.breakwater.idempotency.Reservation;
import dev.breakwater.ratelimit.RateLimitConfig;
import dev.breakwater.ratelimit.RateLimitDecision;
import dev.breakwater.ratelimit.RateLimitScope;
import dev.breakwater.redis.testing.RedisExtension;
import dev.breakwater.spi.CacheStore;
import dev.breakwater.spi.IdempotencyStore;
import dev.breakwater.spi.RateLimitStore;
import dev.breakwater.spi.StoreKeys;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every Redis store must do, run against each topology by a subclass that provides the Redis. */
abstract class StoresContract {
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

  static void eventually(String what, BooleanSupplier condition) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("not within 20 s: " + what);
      }
      Thread.sleep(10);
    }
  }

  private static final RateLimitConfig TENANT = RateLimitConfig.of("tenant", RateLimitScope.TENANT, 5,
      Duration.ofMinutes(1));
  private static final RateLimitConfig USER = RateLimitConfig.of("user", RateLimitScope.USER, 3,
      Duration.ofMinutes(1));
  private static final RateLimitConfig OPERATION = RateLimitConfig.of("op", RateLimitScope.OPERATION, 100,
      Duration.ofMinutes(1));

  @Test
  void aBucketAdmitsItsBurstThenDeniesWithTheWaitUntilItRefills() {
    RateLimitStore store = connect().rateLimitStore();
    for (int i = 0; i < 5; i++) {
      RateLimitDecision d0 = store.tryAcquire(TENANT, StoreKeys.of("contoso"), 1);
      assertThat(d0.isAllowed()).as("call %d: %s", i, d0).isTrue();
    }
    RateLimitDecision d = store.tryAcquire(TENANT, StoreKeys.of("contoso"), 1);
    assertThat(d.isAllowed()).isFalse();
    assertThat(d.deniedBy()).isEqualTo("tenant");
    assertThat(d.retryAfter()).isBetween(Duration.ofSeconds(10), Duration.ofSeconds(12));
    assertThat(store.tryAcquire(TENANT, StoreKeys.of("fabrikam"), 1).isAllowed()).as("another tenant").isTrue();
    assertThat(store.tryAcquire(TENANT, StoreKeys.of("contoso"), 6).never()).isTrue();
  }

  @Test
  void severalLimitsAreAllOrNoneInOneScript() {
    RateLimitStore store = connect().rateLimitStore();
    List<RateLimitConfig> limits = List.of(TENANT, USER);
    List<String> alice = List.of(StoreKeys.of("contoso"), StoreKeys.of("contoso", "alice"));
    for (int i = 0; i < 3; i++) {
      assertThat(store.tryAcquireAll(limits, alice, 1).isAllowed()).isTrue();
    }
    RateLimitDecision d = store.tryAcquireAll(limits, alice, 1);
    assertThat(d.deniedBy()).isEqualTo("user");
    // The denied call charged nothing: the tenant bucket still holds exactly two tokens.
    assertThat(store.tryAcquire(TENANT, StoreKeys.of("contoso"), 2).isAllowed()).isTrue();
    assertThat(store.tryAcquire(TENANT, StoreKeys.of("contoso"), 1).isAllowed()).isFalse();
  }

  @Test
  void crossTenantLimitsWorkBesideTenantLimits() {
    RateLimitStore store = connect().rateLimitStore();
    List<RateLimitConfig> limits = List.of(TENANT, OPERATION);
    List<String> contoso = List.of(StoreKeys.of("contoso"), StoreKeys.of("list"));
    assertThat(store.tryAcquireAll(limits, contoso, 5).isAllowed()).isTrue();
    RateLimitDecision d = store.tryAcquireAll(limits, contoso, 1);
    assertThat(d.deniedBy()).isEqualTo("tenant");
    // the operation bucket was refunded or never charged: 95 tokens left for another tenant
    List<String> fabrikam = List.of(StoreKeys.of("fabrikam"), StoreKeys.of("list"));
    assertThat(store.tryAcquireAll(limits, fabrikam, 5).isAllowed()).isTrue();
    assertThat(store.tryAcquire(OPERATION, StoreKeys.of("list"), 90).isAllowed()).isTrue();
    assertThat(store.tryAcquire(OPERATION, StoreKeys.of("list"), 1).isAllowed()).isFalse();
  }

  @Test
  void twoInstancesShareOneBucket() {
    RateLimitStore a = connect().rateLimitStore();
    RateLimitStore b = connect().rateLimitStore();
    int admitted = 0;
    for (int i = 0; i < 10; i++) {
      admitted += (i % 2 == 0 ? a : b).tryAcquire(TENANT, StoreKeys.of("shared"), 1).isAllowed() ? 1 : 0;
    }
    assertThat(admitted).isEqualTo(5);
  }

  @Test
  void aGateClosedOnOneInstanceClosesOnTheOthersWithoutARedisReadPerCall() throws Exception {
    RedisState a = connect();
    RedisState b = connect();
    Thread.sleep(200); // let both subscriptions settle before the publish
    long until = System.currentTimeMillis() + 5_000;
    a.throttleGateStore().close("graph", "contoso", until);
    eventually("instance B sees the gate", () -> b.throttleGateStore().closedUntil("graph", "contoso") > 0);
    assertThat(b.throttleGateStore().closedUntil("graph", "contoso")).isBetween(until - 1_000, until + 1_000);
    assertThat(b.throttleGateStore().closedUntil("graph", "fabrikam")).isZero();
    RedisState c = connect();
    assertThat(c.resyncGates().toCompletableFuture().get(10, TimeUnit.SECONDS)).isGreaterThanOrEqualTo(1);
    assertThat(c.throttleGateStore().closedUntil("graph", "contoso")).isPositive();
  }

  @Test
  void aGateOfATenantWhoseIdHoldsDelimitersAndBracesReachesTheOthersForThatTenantOnly() throws Exception {
    RedisState a = connect();
    RedisState b = connect();
    Thread.sleep(200); // let both subscriptions settle before the publish
    String tenant = "t\u001fgraph:{x}%7D";
    a.throttleGateStore().close("graph", tenant, System.currentTimeMillis() + 5_000);
    eventually("instance B sees the gate", () -> b.throttleGateStore().closedUntil("graph", tenant) > 0);
    assertThat(b.throttleGateStore().closedUntil("graph", "t")).isZero();
    RedisState c = connect();
    c.resyncGates().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(c.throttleGateStore().closedUntil("graph", tenant)).as("reloaded after a reconnect").isPositive();
    assertThat(c.throttleGateStore().closedUntil("graph", "t")).isZero();
  }

  @Test
  void idempotencyRecordsReserveReplayConflictMismatchAndRelease() {
    IdempotencyStore<String> a = connect().idempotencyStore(ValueCodec.utf8());
    IdempotencyStore<String> b = connect().idempotencyStore(ValueCodec.utf8());
    String key = StoreKeys.of("contoso", null, "send", "k-1");
    assertThat(a.reserve(key, "body#1", Duration.ofSeconds(30)).status()).isEqualTo(Reservation.Status.RESERVED);
    assertThat(b.reserve(key, "body#1", Duration.ofSeconds(30)).status()).isEqualTo(Reservation.Status.CONFLICT);
    assertThat(b.reserve(key, "body#2", Duration.ofSeconds(30)).status()).isEqualTo(Reservation.Status.MISMATCH);
    a.complete(key, "body#1", "sent ✓", Duration.ofMinutes(30));
    Reservation<String> replay = b.reserve(key, "body#1", Duration.ofSeconds(30));
    assertThat(replay.status()).isEqualTo(Reservation.Status.REPLAY);
    assertThat(replay.value()).isEqualTo("sent ✓");
    String other = StoreKeys.of("contoso", null, "send", "k-2");
    a.reserve(other, "x", Duration.ofSeconds(30));
    b.release(other, "not mine");
    assertThat(b.reserve(other, "x", Duration.ofSeconds(30)).status()).as("release checks the owner")
        .isEqualTo(Reservation.Status.CONFLICT);
    a.release(other, "x");
    assertThat(b.reserve(other, "x", Duration.ofSeconds(30)).status()).isEqualTo(Reservation.Status.RESERVED);
  }

  @Test
  void anInFlightLeaseExpiresSoACrashedHolderDoesNotBlockTheKeyForever() throws Exception {
    IdempotencyStore<String> a = connect().idempotencyStore(ValueCodec.utf8());
    String key = StoreKeys.of("contoso", null, "send", "crashed");
    a.reserve(key, "f", Duration.ofMillis(300));
    eventually("the lease expires", () -> a.reserve(key, "f", Duration.ofSeconds(30)).status()
        == Reservation.Status.RESERVED);
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
  void theL2CacheIsSharedAndInvalidationReachesEveryInstancesL1() throws Exception {
    CacheStore<String> a = connect().cacheStore("graph", ValueCodec.utf8(), 1000);
    CacheStore<String> b = connect().cacheStore("graph", ValueCodec.utf8(), 1000);
    Thread.sleep(200);
    long now = System.currentTimeMillis();
    String key = StoreKeys.of("v1", "contoso", "alice", "folders", "");
    a.put(key, new CacheEntry<>("inbox", now + 60_000, now + 120_000));
    eventually("B reads A's entry from L2", () -> b.get(key) != null);
    assertThat(b.get(key).value()).isEqualTo("inbox"); // now in B's L1 too
    a.invalidate(key);
    eventually("B's L1 copy is dropped", () -> b.get(key) == null);
  }

  @Test
  void prefixInvalidationScansInBatchesUntilExhausted() throws Exception {
    RedisState s = connect();
    CacheStore<String> a = s.cacheStore("graph", ValueCodec.utf8(), 10);
    long now = System.currentTimeMillis();
    for (int i = 0; i < 1200; i++) {
      a.put(StoreKeys.of("v1", "contoso", "u" + i, "folders", ""), new CacheEntry<>("x" + i, now + 60_000,
          now + 60_000));
      a.put(StoreKeys.of("v1", "fabrikam", "u" + i, "folders", ""), new CacheEntry<>("y" + i, now + 60_000,
          now + 60_000));
    }
    eventually("all 2400 entries written", () -> a.get(StoreKeys.of("v1", "fabrikam", "u1199", "folders", "")) != null
        && a.get(StoreKeys.of("v1", "contoso", "u1199", "folders", "")) != null);
    a.invalidatePrefix(StoreKeys.of("v1", "contoso"));
    for (int i = 0; i < 1200; i += 97) {
      assertThat(a.get(StoreKeys.of("v1", "contoso", "u" + i, "folders", ""))).isNull();
      assertThat(a.get(StoreKeys.of("v1", "fabrikam", "u" + i, "folders", ""))).isNotNull();
    }
  }

  @Test
  void aFlushByOperationOfEveryTenantCountsTheRedisKeysItRemovedAndDropsOtherInstancesL1Copies() throws Exception {
    CacheStore<String> a = connect().cacheStore("graph", ValueCodec.utf8(), 100);
    CacheStore<String> b = connect().cacheStore("graph", ValueCodec.utf8(), 100);
    CacheKeys keys = new CacheKeys(CacheConfig.of(Duration.ofMinutes(1)));
    long now = System.currentTimeMillis();
    List<String> folders = new ArrayList<>();
    for (String tenant : List.of("contoso", "fabrikam", "folders")) {
      for (String user : List.of("alice", "bob")) {
        String k = keys.key(CallContext.builder().tenant(tenant).user(user).credential("X").operation("folders")
            .resource("/me/mailFolders").build());
        folders.add(k);
        a.put(k, new CacheEntry<>("folders", now + 60_000, now + 60_000));
      }
    }
    String calendars = keys.key(CallContext.builder().tenant("folders").user("folders").credential("folders")
        .operation("calendars").resource("folders").build());
    a.put(calendars, new CacheEntry<>("calendars", now + 60_000, now + 60_000));
    eventually("every entry reached Redis and B's L1", () -> folders.stream().allMatch(k -> b.get(k) != null)
        && b.get(calendars) != null);

    assertThat(a.invalidateWhere(CacheKeys.versionPrefix("v1"), CacheKeys.OPERATION_PART, "folders")).isEqualTo(6);

    eventually("B's L1 copies of that operation are dropped", () -> folders.stream().allMatch(k -> b.get(k) == null));
    assertThat(b.get(calendars)).as("another operation stays").isNotNull();
  }

  @Test
  void aFlushByPrefixCountsTheRedisKeysItRemoved() throws Exception {
    CacheStore<String> a = connect().cacheStore("graph", ValueCodec.utf8(), 100);
    long now = System.currentTimeMillis();
    for (int i = 0; i < 7; i++) {
      a.put(StoreKeys.of("v1", "contoso", "op" + i), new CacheEntry<>("x", now + 60_000, now + 60_000));
    }
    a.put(StoreKeys.of("v2", "contoso", "op"), new CacheEntry<>("x", now + 60_000, now + 60_000));
    eventually("written", () -> connect().cacheStore("graph", ValueCodec.utf8(), 1)
        .get(StoreKeys.of("v2", "contoso", "op")) != null);
    assertThat(a.invalidatePrefix(CacheKeys.versionPrefix("v1"))).isEqualTo(7);
    assertThat(a.invalidatePrefix(CacheKeys.versionPrefix("v1"))).isZero();
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
