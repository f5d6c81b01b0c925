package dev.breakwater.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.breakwater.Degradation;
import dev.breakwater.cache.CacheEntry;
import dev.breakwater.control.ControlEntry;
import dev.breakwater.control.ControlKey;
import dev.breakwater.control.ControlKind;
import dev.breakwater.control.Setting;
import dev.breakwater.control.Target;
import dev.breakwater.idempotency.Reservation;
import dev.breakwater.ratelimit.RateLimitConfig;
import dev.breakwater.ratelimit.RateLimitDecision;
import dev.breakwater.ratelimit.RateLimitQuota;
import dev.breakwater.ratelimit.RateLimitScope;
import dev.breakwater.spi.CacheStore;
import dev.breakwater.spi.ControlStore;
import dev.breakwater.spi.IdempotencyStore;
import dev.breakwater.spi.RateLimitStore;
import dev.breakwater.spi.StoreKeys;
import dev.breakwater.spi.ThrottleGateStore;
import dev.breakwater.time.TimeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * What every state store must do, written against the SPI only ({@code dev.breakwater.spi} and {@link StoreKeys}):
 * subclass it in a store's tests, implement {@link #newInstance()}, and JUnit runs every scenario on that store.
 *
 * <p>Each test asks for fresh instances and uses its own keys, so a store that keeps state between tests (a shared
 * server) only needs emptying before each test if it wants to. Scenarios that let time pass do it through
 * {@link #time()}: a store on a {@code VirtualTimeSource} runs them without waiting, a store on a real clock waits for
 * real (half a second at most per scenario). The fleet scenarios, two instances seeing each other's tokens, gates,
 * records, entries and invalidations, run only when {@link #sharesStateAcrossInstances()} says so; they allow a
 * shared store to propagate asynchronously (within {@link #PROPAGATION}).
 */
public abstract class StoreContract {
  /** How long a fleet scenario waits for a change on one instance to reach another before it fails. */
  protected static final Duration PROPAGATION = Duration.ofSeconds(20);

  private static final RateLimitConfig TENANT = RateLimitConfig.of("tenant", RateLimitScope.TENANT, 5,
      Duration.ofMinutes(1));
  private static final RateLimitConfig USER = RateLimitConfig.of("user", RateLimitScope.USER, 3,
      Duration.ofMinutes(1));
  private static final RateLimitConfig OPERATION = RateLimitConfig.of("op", RateLimitScope.OPERATION, 100,
      Duration.ofMinutes(1));
  private static final RateLimitConfig GLOBAL = RateLimitConfig.of("global", RateLimitScope.GLOBAL, 3,
      Duration.ofMinutes(1));
  // Two tokens a second: a denied call waits at most half a second, short enough to wait for on a real clock.
  private static final RateLimitConfig FAST = RateLimitConfig.of("fast", RateLimitScope.TENANT, 2,
      Duration.ofSeconds(1));
  // The part of a cache key that names the operation (version, tenant, operation, scope, user, credential, resource).
  private static final int OPERATION_PART = 2;
  private static final String TENANT_WITH_DELIMITERS = "t\u001fgraph:{x}%7D";

  /** A fresh instance of the stores under test: one process, as a fleet would start several. */
  protected abstract Stores newInstance();

  /**
   * Whether instances from {@link #newInstance()} share state (a fleet store such as Redis); the fleet scenarios run
   * only then. False by default: in-memory stores are one instance each.
   */
  protected boolean sharesStateAcrossInstances() {
    return false;
  }

  /**
   * The clock the stores under test read: the system clock by default; a subclass whose stores run on a
   * {@code VirtualTimeSource} returns it, and the contract's waits advance it instead of sleeping.
   */
  protected TimeSource time() {
    return TimeSource.system();
  }

  /** Lets {@code d} pass on the stores' clock. */
  protected final void pass(Duration d) throws InterruptedException {
    time().sleep(d.toNanos());
  }

  /** The stores' clock now, in epoch milliseconds (cache instants and gate instants are on it). */
  protected final long now() {
    return time().epochMillis();
  }

  /**
   * Waits (on the real clock) until {@code condition} holds, for changes a shared store propagates asynchronously;
   * fails after {@link #PROPAGATION}.
   */
  protected static void eventually(String what, BooleanSupplier condition) throws InterruptedException {
    long end = System.nanoTime() + PROPAGATION.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - end > 0) {
        throw new AssertionError("not within " + PROPAGATION.toSeconds() + " s: " + what);
      }
      Thread.sleep(10);
    }
  }

  private void fleetOnly() {
    assumeTrue(sharesStateAcrossInstances(), "the stores are not shared across instances");
  }

  /**
   * Waits until each cache key is readable from a fresh instance, when instances share state: a shared store may
   * write asynchronously, and what an invalidation counts is what reached the shared level.
   */
  private void awaitShared(List<String> keys) throws InterruptedException {
    if (!sharesStateAcrossInstances()) {
      return;
    }
    CacheStore<String> reader = newInstance().cache();
    for (String k : keys) {
      eventually("the entry " + k + " reached the shared level", () -> reader.get(k) != null);
    }
  }

  private CacheEntry<String> entry(String value) {
    long now = now();
    return new CacheEntry<>(value, now + 60_000, now + 120_000);
  }

  /** A cache key with the engine's layout: version, tenant, operation, scope, user, credential digest, resource. */
  private static String cacheKey(String version, String tenant, String operation, String user, String resource) {
    return StoreKeys.ofParts(version, tenant, operation, "P", user, "digest", resource);
  }

  private static String idemKey(String tenant, String user, String key) {
    return StoreKeys.of(tenant, user, "send", key);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Rate limits

  /** A bucket admits its burst, then denies naming the limit, with the wait until a token is back. */
  @Test
  public void aBucketAdmitsItsBurstThenDeniesNamingTheLimitAndTheWait() {
    RateLimitStore store = newInstance().rateLimits();
    for (int i = 0; i < 5; i++) {
      RateLimitDecision d = store.tryAcquire(TENANT, StoreKeys.of("contoso"), 1);
      assertThat(d.isAllowed()).as("call %d: %s", i, d).isTrue();
    }
    RateLimitDecision d = store.tryAcquire(TENANT, StoreKeys.of("contoso"), 1);
    assertThat(d.isAllowed()).isFalse();
    assertThat(d.never()).isFalse();
    assertThat(d.deniedBy()).isEqualTo("tenant");
    // Five a minute: one token every 12 s, less whatever time the five calls took.
    assertThat(d.retryAfter()).isBetween(Duration.ofSeconds(10), Duration.ofSeconds(12));
  }

  /** A call denied with a wait is admitted once that wait has passed. */
  @Test
  public void aDeniedCallIsAdmittedOnceTheWaitItWasToldHasPassed() throws Exception {
    RateLimitStore store = newInstance().rateLimits();
    String key = StoreKeys.of("contoso");
    assertThat(store.tryAcquire(FAST, key, 2).isAllowed()).isTrue();
    RateLimitDecision d = store.tryAcquire(FAST, key, 1);
    assertThat(d.isAllowed()).isFalse();
    assertThat(d.retryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofMillis(500));
    pass(d.retryAfter());
    assertThat(store.tryAcquire(FAST, key, 1).isAllowed()).as("after %s", d.retryAfter()).isTrue();
  }

  /** A cost above the burst can never be admitted, and asking charges nothing. */
  @Test
  public void aCostAboveTheBurstIsNeverAdmittedAndChargesNothing() {
    RateLimitStore store = newInstance().rateLimits();
    RateLimitDecision d = store.tryAcquire(TENANT, StoreKeys.of("contoso"), 6);
    assertThat(d.isAllowed()).isFalse();
    assertThat(d.never()).isTrue();
    assertThat(d.deniedBy()).isEqualTo("tenant");
    assertThat(store.tryAcquire(TENANT, StoreKeys.of("contoso"), 5).isAllowed()).isTrue();
  }

  /** Each key is its own bucket, even keys whose ids would read the same if joined by a delimiter. */
  @Test
  public void bucketsOfDifferentKeysAreIndependentWhateverTheirIdsHold() {
    RateLimitStore store = newInstance().rateLimits();
    assertThat(store.tryAcquire(TENANT, StoreKeys.of("contoso"), 5).isAllowed()).isTrue();
    assertThat(store.tryAcquire(TENANT, StoreKeys.of("contoso"), 1).isAllowed()).isFalse();
    assertThat(store.tryAcquire(TENANT, StoreKeys.of("fabrikam"), 5).isAllowed()).as("another tenant").isTrue();
    assertThat(store.tryAcquire(USER, StoreKeys.of("tA", "z:u"), 3).isAllowed()).isTrue();
    assertThat(store.tryAcquire(USER, StoreKeys.of("tA:z", "u"), 3).isAllowed())
        .as("tenant tA:z, user u is not tenant tA, user z:u").isTrue();
    assertThat(store.tryAcquire(USER, StoreKeys.of("tA", null), 3).isAllowed()).as("an absent user").isTrue();
    assertThat(store.tryAcquire(USER, StoreKeys.of("tA", ""), 3).isAllowed()).as("an empty user id").isTrue();
  }

  /** Several limits of one call take their tokens all together, or none of them. */
  @Test
  public void severalLimitsAreAllOrNone() {
    RateLimitStore store = newInstance().rateLimits();
    List<RateLimitConfig> limits = List.of(TENANT, USER);
    List<String> alice = List.of(StoreKeys.of("contoso"), StoreKeys.of("contoso", "alice"));
    for (int i = 0; i < 3; i++) {
      assertThat(store.tryAcquireAll(limits, alice, 1).isAllowed()).isTrue();
    }
    RateLimitDecision d = store.tryAcquireAll(limits, alice, 1);
    assertThat(d.isAllowed()).isFalse();
    assertThat(d.deniedBy()).isEqualTo("user");
    // The denied call charged nothing: the tenant bucket still holds exactly two tokens.
    assertThat(store.tryAcquire(TENANT, StoreKeys.of("contoso"), 2).isAllowed()).isTrue();
    assertThat(store.tryAcquire(TENANT, StoreKeys.of("contoso"), 1).isAllowed()).isFalse();
  }

  /** A limit shared by every tenant (one operation's) works beside per-tenant limits, all or none. */
  @Test
  public void crossTenantLimitsWorkBesideTenantLimits() {
    RateLimitStore store = newInstance().rateLimits();
    List<RateLimitConfig> limits = List.of(TENANT, OPERATION);
    List<String> contoso = List.of(StoreKeys.of("contoso"), StoreKeys.of("list"));
    assertThat(store.tryAcquireAll(limits, contoso, 5).isAllowed()).isTrue();
    RateLimitDecision d = store.tryAcquireAll(limits, contoso, 1);
    assertThat(d.deniedBy()).isEqualTo("tenant");
    // The operation bucket was refunded or never charged: 95 tokens left, 5 for another tenant and 90 more.
    List<String> fabrikam = List.of(StoreKeys.of("fabrikam"), StoreKeys.of("list"));
    assertThat(store.tryAcquireAll(limits, fabrikam, 5).isAllowed()).isTrue();
    assertThat(store.tryAcquire(OPERATION, StoreKeys.of("list"), 90).isAllowed()).isTrue();
    assertThat(store.tryAcquire(OPERATION, StoreKeys.of("list"), 1).isAllowed()).isFalse();
  }

  /** A global limit is one bucket, keyed by the empty key. */
  @Test
  public void aGlobalLimitIsOneBucketForEveryCaller() {
    RateLimitStore store = newInstance().rateLimits();
    assertThat(store.tryAcquireAll(List.of(TENANT, GLOBAL), List.of(StoreKeys.of("contoso"), StoreKeys.ofParts()), 2)
        .isAllowed()).isTrue();
    assertThat(store.tryAcquireAll(List.of(TENANT, GLOBAL), List.of(StoreKeys.of("fabrikam"), StoreKeys.ofParts()),
        2).deniedBy()).isEqualTo("global");
    assertThat(store.tryAcquire(GLOBAL, StoreKeys.ofParts(), 1).isAllowed()).isTrue();
  }

  /** Looking at a bucket (peek, inspect) never takes from it, and what it reports is what is left. */
  @Test
  public void peekAndInspectReportWhatIsLeftWithoutTakingIt() {
    RateLimitStore store = newInstance().rateLimits();
    String key = StoreKeys.of("contoso");
    assertThat(store.tryAcquire(TENANT, key, 3).isAllowed()).isTrue();
    for (int i = 0; i < 3; i++) {
      RateLimitQuota peeked = store.peek(TENANT, key);
      if (peeked != null) { // a store may not know cheaply
        assertThat(peeked.remaining()).as("peek").isEqualTo(2);
      }
      RateLimitQuota inspected = store.inspect(TENANT, key).toCompletableFuture().join();
      if (inspected != null) {
        assertThat(inspected.remaining()).as("inspect").isEqualTo(2);
        assertThat(inspected.resetSeconds()).as("inspect").isPositive();
      }
    }
    assertThat(store.tryAcquire(TENANT, key, 2).isAllowed()).isTrue();
    assertThat(store.tryAcquire(TENANT, key, 1).isAllowed()).isFalse();
  }

  /** The asynchronous acquire decides on the same buckets as the synchronous one. */
  @Test
  public void theAsynchronousAcquireSharesTheBucketsOfTheSynchronousOne() {
    RateLimitStore store = newInstance().rateLimits();
    List<String> key = List.of(StoreKeys.of("contoso"));
    assertThat(store.tryAcquireAllAsync(List.of(TENANT), key, 4).toCompletableFuture().join().isAllowed()).isTrue();
    assertThat(store.tryAcquire(TENANT, key.get(0), 1).isAllowed()).isTrue();
    assertThat(store.tryAcquireAllAsync(List.of(TENANT), key, 1).toCompletableFuture().join().deniedBy())
        .isEqualTo("tenant");
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Throttle gates

  /** A gate never closed is open: it reads 0 and is not listed. */
  @Test
  public void aGateNeverClosedIsOpen() {
    ThrottleGateStore gates = newInstance().gates();
    assertThat(gates.closedUntil("graph", "contoso")).isZero();
    assertThat(gates.closedGates("graph")).isEmpty();
  }

  /** A closed gate holds its instant for that upstream and tenant only, and is listed for that upstream. */
  @Test
  public void aClosedGateHoldsItsInstantForThatUpstreamAndTenantOnly() {
    ThrottleGateStore gates = newInstance().gates();
    long until = now() + 60_000;
    gates.close("graph", "contoso", until);
    assertThat(gates.closedUntil("graph", "contoso")).isEqualTo(until);
    assertThat(gates.closedUntil("graph", "fabrikam")).as("another tenant").isZero();
    assertThat(gates.closedUntil("mail", "contoso")).as("another upstream").isZero();
    assertThat(gates.closedGates("graph")).containsExactly(java.util.Map.entry("contoso", until));
    assertThat(gates.closedGates("mail")).isEmpty();
  }

  /** Closing a gate already closed for longer keeps the longer window. */
  @Test
  public void aGateAlreadyClosedForLongerStaysClosedForLonger() {
    ThrottleGateStore gates = newInstance().gates();
    long longer = now() + 60_000;
    gates.close("graph", "contoso", longer);
    gates.close("graph", "contoso", now() + 10_000);
    assertThat(gates.closedUntil("graph", "contoso")).isEqualTo(longer);
    long longest = now() + 90_000;
    gates.close("graph", "contoso", longest);
    assertThat(gates.closedUntil("graph", "contoso")).isEqualTo(longest);
  }

  /** Once its instant has passed a gate holds no call (0 or an instant not after now) and is no longer listed. */
  @Test
  public void aGateWhoseInstantHasPassedHoldsNoCallAndIsNoLongerListed() throws Exception {
    ThrottleGateStore gates = newInstance().gates();
    gates.close("graph", "contoso", now() + 500);
    pass(Duration.ofMillis(500));
    assertThat(gates.closedUntil("graph", "contoso")).isLessThanOrEqualTo(now());
    assertThat(gates.closedGates("graph")).doesNotContainKey("contoso");
  }

  /** A tenant id holding delimiters and braces closes its own gate and no other tenant's. */
  @Test
  public void aGateOfATenantWhoseIdHoldsDelimitersAndBracesIsThatTenantsOnly() {
    ThrottleGateStore gates = newInstance().gates();
    gates.close("graph", TENANT_WITH_DELIMITERS, now() + 60_000);
    assertThat(gates.closedUntil("graph", TENANT_WITH_DELIMITERS)).isPositive();
    assertThat(gates.closedUntil("graph", "t")).isZero();
    assertThat(gates.closedUntil("graph", "t\u001fgraph")).isZero();
    assertThat(gates.closedGates("graph")).containsOnlyKeys(TENANT_WITH_DELIMITERS);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Idempotency records

  /** The first reservation of a key is granted; a duplicate while it is in flight is a conflict. */
  @Test
  public void aFirstReservationIsGrantedAndADuplicateInFlightConflicts() {
    IdempotencyStore<String> store = newInstance().idempotency();
    String key = idemKey("contoso", null, "k-1");
    assertThat(store.reserve(key, "body#1", Duration.ofSeconds(30)).status()).isEqualTo(Reservation.Status.RESERVED);
    assertThat(store.reserve(key, "body#1", Duration.ofSeconds(30)).status()).isEqualTo(Reservation.Status.CONFLICT);
  }

  /** A key reused with another fingerprint is a mismatch, in flight and completed alike. */
  @Test
  public void aKeyReusedWithAnotherFingerprintIsAMismatch() {
    IdempotencyStore<String> store = newInstance().idempotency();
    String key = idemKey("contoso", null, "k-1");
    store.reserve(key, "body#1", Duration.ofSeconds(30));
    assertThat(store.reserve(key, "body#2", Duration.ofSeconds(30)).status()).isEqualTo(Reservation.Status.MISMATCH);
    store.complete(key, "body#1", "sent", Duration.ofMinutes(30));
    assertThat(store.reserve(key, "body#2", Duration.ofSeconds(30)).status()).isEqualTo(Reservation.Status.MISMATCH);
  }

  /** A completed call is replayed, with its value intact, to every later duplicate. */
  @Test
  public void aCompletedCallIsReplayedWithItsValue() {
    IdempotencyStore<String> store = newInstance().idempotency();
    String key = idemKey("contoso", "alice", "k-1");
    String value = "sent ✓ \u00e9\n{\"id\": 7}";
    store.reserve(key, "body#1", Duration.ofSeconds(30));
    store.complete(key, "body#1", value, Duration.ofMinutes(30));
    for (int i = 0; i < 2; i++) {
      Reservation<String> replay = store.reserve(key, "body#1", Duration.ofSeconds(30));
      assertThat(replay.status()).isEqualTo(Reservation.Status.REPLAY);
      assertThat(replay.value()).isEqualTo(value);
    }
  }

  /** Release frees an in-flight key for a retry, but only when it names the fingerprint that reserved it. */
  @Test
  public void releaseFreesTheKeyOnlyForTheFingerprintThatReservedIt() {
    IdempotencyStore<String> store = newInstance().idempotency();
    String key = idemKey("contoso", null, "k-2");
    store.reserve(key, "x", Duration.ofSeconds(30));
    store.release(key, "not mine");
    assertThat(store.reserve(key, "x", Duration.ofSeconds(30)).status()).as("release checks the owner")
        .isEqualTo(Reservation.Status.CONFLICT);
    store.release(key, "x");
    assertThat(store.reserve(key, "x", Duration.ofSeconds(30)).status()).isEqualTo(Reservation.Status.RESERVED);
  }

  /** Releasing a key whose call has completed keeps the record: duplicates still replay. */
  @Test
  public void releaseLeavesACompletedRecordInPlace() {
    IdempotencyStore<String> store = newInstance().idempotency();
    String key = idemKey("contoso", null, "k-3");
    store.reserve(key, "x", Duration.ofSeconds(30));
    store.complete(key, "x", "done", Duration.ofMinutes(30));
    store.release(key, "x");
    assertThat(store.reserve(key, "x", Duration.ofSeconds(30)).status()).isEqualTo(Reservation.Status.REPLAY);
  }

  /** An in-flight lease expires, so a crashed holder does not block the key forever. */
  @Test
  public void anInFlightLeaseExpiresSoACrashedHolderDoesNotBlockTheKeyForever() throws Exception {
    IdempotencyStore<String> store = newInstance().idempotency();
    String key = idemKey("contoso", null, "crashed");
    store.reserve(key, "f", Duration.ofMillis(300));
    pass(Duration.ofMillis(300));
    eventually("the lease expires", () -> store.reserve(key, "f", Duration.ofSeconds(30)).status()
        == Reservation.Status.RESERVED);
  }

  /** A completed record is replayed for its ttl, and forgotten after it. */
  @Test
  public void aCompletedRecordIsReplayedForItsTtlThenForgotten() throws Exception {
    IdempotencyStore<String> store = newInstance().idempotency();
    String key = idemKey("contoso", null, "short");
    store.reserve(key, "f", Duration.ofSeconds(30));
    store.complete(key, "f", "v", Duration.ofMillis(500));
    assertThat(store.reserve(key, "f", Duration.ofSeconds(30)).status()).isEqualTo(Reservation.Status.REPLAY);
    pass(Duration.ofMillis(500));
    eventually("the record expires", () -> store.reserve(key, "f", Duration.ofSeconds(30)).status()
        == Reservation.Status.RESERVED);
  }

  /** Keys of other users, of an absent user and of an empty user id are separate records. */
  @Test
  public void keysOfOtherUsersAreSeparateRecordsAbsentAndEmptyIdsIncluded() {
    IdempotencyStore<String> store = newInstance().idempotency();
    List<String> keys = List.of(idemKey("contoso", "u1", "k"), idemKey("contoso", "u2", "k"),
        idemKey("contoso", null, "k"), idemKey("contoso", "", "k"), idemKey("contoso:u1", null, "k"),
        idemKey(null, "contoso", "k"), idemKey(TENANT_WITH_DELIMITERS, "u1", "k"));
    for (String key : keys) {
      assertThat(store.reserve(key, "f", Duration.ofSeconds(30)).status()).as(key)
          .isEqualTo(Reservation.Status.RESERVED);
    }
  }

  /** Of many concurrent duplicates, exactly one reserves the key; the others conflict. */
  @Test
  public void ofConcurrentDuplicatesExactlyOneReserves() throws Exception {
    IdempotencyStore<String> store = newInstance().idempotency();
    assertThat(concurrentReservations(List.of(store), idemKey("contoso", null, "order-7")))
        .containsOnly(Reservation.Status.RESERVED, Reservation.Status.CONFLICT)
        .filteredOn(s -> s == Reservation.Status.RESERVED).hasSize(1);
  }

  /** The asynchronous forms decide on the same records as the synchronous ones. */
  @Test
  public void theAsynchronousFormsShareTheRecordsOfTheSynchronousOnes() {
    IdempotencyStore<String> store = newInstance().idempotency();
    String key = idemKey("contoso", null, "async");
    assertThat(store.reserveAsync(key, "f", Duration.ofSeconds(30)).toCompletableFuture().join().status())
        .isEqualTo(Reservation.Status.RESERVED);
    assertThat(store.reserve(key, "f", Duration.ofSeconds(30)).status()).isEqualTo(Reservation.Status.CONFLICT);
    store.releaseAsync(key, "f").toCompletableFuture().join();
    assertThat(store.reserve(key, "f", Duration.ofSeconds(30)).status()).isEqualTo(Reservation.Status.RESERVED);
    store.completeAsync(key, "f", "v", Duration.ofMinutes(1)).toCompletableFuture().join();
    assertThat(store.reserveAsync(key, "f", Duration.ofSeconds(30)).toCompletableFuture().join().value())
        .isEqualTo("v");
  }

  /** Runs 32 reservations of {@code key} at once, spread over {@code stores}; returns their statuses. */
  private static List<Reservation.Status> concurrentReservations(List<IdempotencyStore<String>> stores, String key)
      throws Exception {
    int n = 32;
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      CyclicBarrier start = new CyclicBarrier(n);
      List<Future<Reservation.Status>> results = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        IdempotencyStore<String> store = stores.get(i % stores.size());
        results.add(pool.submit(() -> {
          start.await();
          return store.reserve(key, "POST /send #1", Duration.ofSeconds(30)).status();
        }));
      }
      List<Reservation.Status> out = new ArrayList<>();
      for (Future<Reservation.Status> f : results) {
        out.add(f.get(30, TimeUnit.SECONDS));
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Cache

  /** A key never stored is a miss. */
  @Test
  public void aKeyNeverStoredIsAMiss() {
    CacheStore<String> cache = newInstance().cache();
    assertThat(cache.get(cacheKey("v1", "contoso", "folders", "alice", "/me"))).isNull();
    assertThat(cache.getAsync(cacheKey("v1", "contoso", "folders", "alice", "/me")).toCompletableFuture().join())
        .isNull();
  }

  /** A stored entry is read back with its value and both its instants. */
  @Test
  public void aStoredEntryIsReadBackWithItsValueAndInstants() {
    CacheStore<String> cache = newInstance().cache();
    String key = cacheKey("v1", "contoso", "folders", "alice", "/me/mailFolders");
    CacheEntry<String> entry = entry("inbox ✓");
    cache.put(key, entry);
    assertThat(cache.get(key)).isEqualTo(entry);
    assertThat(cache.getAsync(key).toCompletableFuture().join()).isEqualTo(entry);
  }

  /** Invalidating a key drops that key and no other. */
  @Test
  public void invalidateDropsThatKeyOnly() {
    CacheStore<String> cache = newInstance().cache();
    String alice = cacheKey("v1", "contoso", "folders", "alice", "/me");
    String bob = cacheKey("v1", "contoso", "folders", "bob", "/me");
    cache.put(alice, entry("a"));
    cache.put(bob, entry("b"));
    cache.invalidate(alice);
    assertThat(cache.get(alice)).isNull();
    assertThat(cache.get(bob)).isNotNull();
  }

  /**
   * A prefix invalidation drops exactly the keys whose leading parts those are (not a tenant whose id merely starts
   * the same) and counts them.
   */
  @Test
  public void aPrefixInvalidationDropsExactlyTheKeysWithThoseLeadingPartsAndCountsThem() throws Exception {
    CacheStore<String> cache = newInstance().cache();
    List<String> contoso = List.of(cacheKey("v1", "contoso", "folders", "alice", "/a"),
        cacheKey("v1", "contoso", "folders", "bob", "/a"), cacheKey("v1", "contoso", "calendars", "alice", "/c"));
    List<String> others = List.of(cacheKey("v1", "contoso2", "folders", "alice", "/a"),
        cacheKey("v1", "conto", "folders", "alice", "/a"), cacheKey("v2", "contoso", "folders", "alice", "/a"),
        cacheKey("v1", null, "folders", "alice", "/a"), cacheKey("v1", "", "folders", "alice", "/a"));
    List<String> all = new ArrayList<>(contoso);
    all.addAll(others);
    for (String k : all) {
      cache.put(k, entry(k));
    }
    awaitShared(all);
    assertThat(cache.invalidatePrefix(StoreKeys.of("v1", "contoso"))).isEqualTo(3);
    for (String k : contoso) {
      assertThat(cache.get(k)).as(k).isNull();
    }
    for (String k : others) {
      assertThat(cache.get(k)).as(k).isNotNull();
    }
    assertThat(cache.invalidatePrefix(StoreKeys.of("v1", "contoso"))).as("nothing left to drop").isZero();
  }

  /** A where-invalidation drops one operation of every tenant, no other operation, and counts what it dropped. */
  @Test
  public void aWhereInvalidationDropsOneOperationOfEveryTenantAndCountsThem() throws Exception {
    CacheStore<String> cache = newInstance().cache();
    List<String> folders = new ArrayList<>();
    for (String tenant : List.of("contoso", "fabrikam", "folders")) {
      for (String user : List.of("alice", "bob")) {
        folders.add(cacheKey("v1", tenant, "folders", user, "/me/mailFolders"));
      }
    }
    // Every other part names "folders": only the operation part may select.
    String calendars = StoreKeys.ofParts("v1", "folders", "calendars", "P", "folders", "folders", "folders");
    String otherVersion = cacheKey("v2", "contoso", "folders", "alice", "/me/mailFolders");
    List<String> all = new ArrayList<>(folders);
    all.add(calendars);
    all.add(otherVersion);
    for (String k : all) {
      cache.put(k, entry(k));
    }
    awaitShared(all);
    assertThat(cache.invalidateWhere(StoreKeys.of("v1"), OPERATION_PART, "folders")).isEqualTo(6);
    for (String k : folders) {
      assertThat(cache.get(k)).as(k).isNull();
    }
    assertThat(cache.get(calendars)).as("another operation stays").isNotNull();
    assertThat(cache.get(otherVersion)).as("another version stays").isNotNull();
  }

  /** A prefix invalidation drops every matching key however many there are (a store may work in batches). */
  @Test
  public void aLargePrefixInvalidationDropsEveryMatchingKey() throws Exception {
    CacheStore<String> cache = newInstance().cache();
    List<String> contoso = new ArrayList<>();
    List<String> fabrikam = new ArrayList<>();
    for (int i = 0; i < 1200; i++) {
      contoso.add(cacheKey("v1", "contoso", "folders", "u" + i, ""));
      fabrikam.add(cacheKey("v1", "fabrikam", "folders", "u" + i, ""));
    }
    for (int i = 0; i < 1200; i++) {
      cache.put(contoso.get(i), entry("x" + i));
      cache.put(fabrikam.get(i), entry("y" + i));
    }
    awaitShared(contoso);
    assertThat(cache.invalidatePrefix(StoreKeys.of("v1", "contoso"))).isEqualTo(1200);
    for (int i = 0; i < 1200; i += 97) {
      assertThat(cache.get(contoso.get(i))).isNull();
      assertThat(cache.get(fabrikam.get(i))).isNotNull();
    }
  }

  /** An entry is gone once its stale-until instant has passed. */
  @Test
  public void anEntryIsGoneOnceItsStaleUntilHasPassed() throws Exception {
    CacheStore<String> cache = newInstance().cache();
    String key = cacheKey("v1", "contoso", "folders", "alice", "/me");
    long now = now();
    cache.put(key, new CacheEntry<>("x", now + 200, now + 500));
    pass(Duration.ofMillis(500));
    eventually("the entry expires", () -> cache.get(key) == null);
  }

  /** Keys of tenants and users whose ids split on a colon the other way are different entries. */
  @Test
  public void keysOfIdsThatSplitOnAColonTheOtherWayAreDifferentEntries() throws Exception {
    CacheStore<String> cache = newInstance().cache();
    String tAzu = cacheKey("v1", "tA", "me", "z:u", "/me");
    String tAz = cacheKey("v1", "tA:z", "me", "u", "/me");
    cache.put(tAzu, entry("profile of tA/z:u"));
    assertThat(cache.get(tAz)).isNull();
    cache.put(tAz, entry("profile of tA:z/u"));
    awaitShared(List.of(tAzu, tAz));
    assertThat(cache.invalidatePrefix(StoreKeys.of("v1", "tA"))).isEqualTo(1);
    assertThat(cache.get(tAz)).isNotNull();
  }

  /** The asynchronous invalidations drop and count as the synchronous ones. */
  @Test
  public void theAsynchronousInvalidationsDropAndCountAsTheSynchronousOnes() throws Exception {
    CacheStore<String> cache = newInstance().cache();
    String a = cacheKey("v1", "contoso", "folders", "alice", "/a");
    String b = cacheKey("v1", "fabrikam", "folders", "alice", "/a");
    cache.put(a, entry("a"));
    cache.put(b, entry("b"));
    awaitShared(List.of(a, b));
    assertThat(cache.invalidateWhereAsync(StoreKeys.of("v1"), 1, "fabrikam").toCompletableFuture().join())
        .isEqualTo(1);
    assertThat(cache.invalidatePrefixAsync(StoreKeys.of("v1")).toCompletableFuture().join()).isEqualTo(1);
    assertThat(cache.get(a)).isNull();
    assertThat(cache.get(b)).isNull();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // A fleet: instances sharing state (only when sharesStateAcrossInstances())

  /** Two instances take from one bucket. */
  @Test
  public void twoInstancesShareOneBucket() {
    fleetOnly();
    RateLimitStore a = newInstance().rateLimits();
    RateLimitStore b = newInstance().rateLimits();
    int admitted = 0;
    for (int i = 0; i < 10; i++) {
      admitted += (i % 2 == 0 ? a : b).tryAcquire(TENANT, StoreKeys.of("shared"), 1).isAllowed() ? 1 : 0;
    }
    assertThat(admitted).isEqualTo(5);
  }

  /** A gate closed on one instance is closed on the other, for that tenant only. */
  @Test
  public void aGateClosedOnOneInstanceIsClosedOnTheOther() throws Exception {
    fleetOnly();
    ThrottleGateStore a = newInstance().gates();
    ThrottleGateStore b = newInstance().gates();
    long until = now() + 60_000;
    a.close("graph", "contoso", until);
    eventually("instance B sees the gate", () -> b.closedUntil("graph", "contoso") > 0);
    // Instances may carry the remaining window rather than the instant: within the propagation delay.
    assertThat(b.closedUntil("graph", "contoso")).isBetween(until - PROPAGATION.toMillis(), until + 1_000);
    assertThat(b.closedUntil("graph", "fabrikam")).isZero();
    assertThat(b.closedGates("graph")).containsOnlyKeys("contoso");
  }

  /** A gate of a tenant whose id holds delimiters and braces reaches the other instance for that tenant only. */
  @Test
  public void aGateOfATenantWhoseIdHoldsDelimitersReachesTheOtherInstanceForThatTenantOnly() throws Exception {
    fleetOnly();
    ThrottleGateStore a = newInstance().gates();
    ThrottleGateStore b = newInstance().gates();
    a.close("graph", TENANT_WITH_DELIMITERS, now() + 60_000);
    eventually("instance B sees the gate", () -> b.closedUntil("graph", TENANT_WITH_DELIMITERS) > 0);
    assertThat(b.closedUntil("graph", "t")).isZero();
    assertThat(b.closedGates("graph")).containsOnlyKeys(TENANT_WITH_DELIMITERS);
  }

  /** Idempotency records are shared: reserve, conflict, mismatch, replay and an owner-checked release. */
  @Test
  public void idempotencyRecordsAreSharedReserveConflictMismatchReplayAndRelease() {
    fleetOnly();
    IdempotencyStore<String> a = newInstance().idempotency();
    IdempotencyStore<String> b = newInstance().idempotency();
    String key = idemKey("contoso", null, "k-1");
    assertThat(a.reserve(key, "body#1", Duration.ofSeconds(30)).status()).isEqualTo(Reservation.Status.RESERVED);
    assertThat(b.reserve(key, "body#1", Duration.ofSeconds(30)).status()).isEqualTo(Reservation.Status.CONFLICT);
    assertThat(b.reserve(key, "body#2", Duration.ofSeconds(30)).status()).isEqualTo(Reservation.Status.MISMATCH);
    a.complete(key, "body#1", "sent ✓", Duration.ofMinutes(30));
    Reservation<String> replay = b.reserve(key, "body#1", Duration.ofSeconds(30));
    assertThat(replay.status()).isEqualTo(Reservation.Status.REPLAY);
    assertThat(replay.value()).isEqualTo("sent ✓");
    String other = idemKey("contoso", null, "k-2");
    a.reserve(other, "x", Duration.ofSeconds(30));
    b.release(other, "not mine");
    assertThat(b.reserve(other, "x", Duration.ofSeconds(30)).status()).as("release checks the owner")
        .isEqualTo(Reservation.Status.CONFLICT);
    a.release(other, "x");
    assertThat(b.reserve(other, "x", Duration.ofSeconds(30)).status()).isEqualTo(Reservation.Status.RESERVED);
  }

  /** Of concurrent duplicates arriving on two instances, exactly one reserves the key. */
  @Test
  public void ofConcurrentDuplicatesOverTwoInstancesExactlyOneReserves() throws Exception {
    fleetOnly();
    List<IdempotencyStore<String>> stores = List.of(newInstance().idempotency(), newInstance().idempotency());
    assertThat(concurrentReservations(stores, idemKey("contoso", null, "order-7")))
        .containsOnly(Reservation.Status.RESERVED, Reservation.Status.CONFLICT)
        .filteredOn(s -> s == Reservation.Status.RESERVED).hasSize(1);
  }

  /** An entry put on one instance is read on the other with its value and instants. */
  @Test
  public void anEntryPutOnOneInstanceIsReadOnTheOther() throws Exception {
    fleetOnly();
    CacheStore<String> a = newInstance().cache();
    CacheStore<String> b = newInstance().cache();
    String key = cacheKey("v1", "contoso", "folders", "alice", "");
    CacheEntry<String> entry = entry("inbox ✓");
    a.put(key, entry);
    eventually("B reads A's entry", () -> b.get(key) != null);
    assertThat(b.get(key)).isEqualTo(entry);
  }

  /** Invalidating a key on one instance drops the copy the other instance read. */
  @Test
  public void anInvalidationOnOneInstanceDropsTheOthersCopy() throws Exception {
    fleetOnly();
    CacheStore<String> a = newInstance().cache();
    CacheStore<String> b = newInstance().cache();
    String key = cacheKey("v1", "contoso", "folders", "alice", "");
    a.put(key, entry("inbox"));
    eventually("B reads A's entry", () -> b.get(key) != null);
    a.invalidate(key);
    eventually("B's copy is dropped", () -> b.get(key) == null);
  }

  /** A prefix invalidation on one instance drops the other instance's copies under that prefix only. */
  @Test
  public void aPrefixInvalidationOnOneInstanceDropsTheOthersCopies() throws Exception {
    fleetOnly();
    CacheStore<String> a = newInstance().cache();
    CacheStore<String> b = newInstance().cache();
    String contoso = cacheKey("v1", "contoso", "folders", "alice", "");
    String fabrikam = cacheKey("v1", "fabrikam", "folders", "alice", "");
    a.put(contoso, entry("c"));
    a.put(fabrikam, entry("f"));
    eventually("B reads A's entries", () -> b.get(contoso) != null && b.get(fabrikam) != null);
    assertThat(a.invalidatePrefix(StoreKeys.of("v1", "contoso"))).isEqualTo(1);
    eventually("B's copy is dropped", () -> b.get(contoso) == null);
    assertThat(b.get(fabrikam)).as("another tenant stays").isNotNull();
  }

  /** A where-invalidation on one instance drops the other instance's copies of that operation only. */
  @Test
  public void aWhereInvalidationOnOneInstanceDropsTheOthersCopiesOfThatOperationOnly() throws Exception {
    fleetOnly();
    CacheStore<String> a = newInstance().cache();
    CacheStore<String> b = newInstance().cache();
    List<String> folders = new ArrayList<>();
    for (String tenant : List.of("contoso", "fabrikam", "folders")) {
      for (String user : List.of("alice", "bob")) {
        String k = cacheKey("v1", tenant, "folders", user, "/me/mailFolders");
        folders.add(k);
        a.put(k, entry("folders"));
      }
    }
    String calendars = StoreKeys.ofParts("v1", "folders", "calendars", "P", "folders", "folders", "folders");
    a.put(calendars, entry("calendars"));
    eventually("every entry reached B", () -> folders.stream().allMatch(k -> b.get(k) != null)
        && b.get(calendars) != null);
    assertThat(a.invalidateWhere(StoreKeys.of("v1"), OPERATION_PART, "folders")).isEqualTo(6);
    eventually("B's copies of that operation are dropped", () -> folders.stream().allMatch(k -> b.get(k) == null));
    assertThat(b.get(calendars)).as("another operation stays").isNotNull();
  }

  // ---------------------------------------------------------------------------------------------------- control

  private static ControlEntry level(String upstream, Degradation d, String by) {
    return new ControlEntry(ControlKey.of(ControlKind.DEGRADATION, Target.upstream(upstream)), new Setting.Level(d),
        by, 1L, 0L, 0L);
  }

  /** A kept setting reads back as written, with a revision above every earlier one. */
  @Test
  void controlSettingsAreKeptWithRisingRevisions() {
    ControlStore store = newInstance().control();
    ControlEntry first = store.put(level("graph", Degradation.READ_ONLY, "oncall")).toCompletableFuture().join();
    ControlEntry second = store.put(new ControlEntry(ControlKey.of(ControlKind.ROLLOUT, Target.global()),
        new Setting.Rollout(10), "ci", 2L, 3L, 0L)).toCompletableFuture().join();
    ControlEntry again = store.put(level("graph", Degradation.MAINTENANCE, "oncall")).toCompletableFuture().join();
    assertThat(first.revision()).isPositive();
    assertThat(second.revision()).isGreaterThan(first.revision());
    assertThat(again.revision()).isGreaterThan(second.revision());
    ControlStore.Snapshot all = store.readAll().toCompletableFuture().join();
    assertThat(all.entries()).containsExactlyInAnyOrder(second, again);
    assertThat(all.revision()).isGreaterThanOrEqualTo(again.revision());
  }

  /** A subscriber hears of every write and removal, with who made it, in revision order. */
  @Test
  void controlChangesReachSubscribers() throws InterruptedException {
    ControlStore store = newInstance().control();
    List<String> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
    store.subscribe(listener(heard));
    ControlEntry put = store.put(level("graph", Degradation.DEGRADED, "oncall")).toCompletableFuture().join();
    long removed = store.remove(put.key(), "oncall2").toCompletableFuture().join();
    assertThat(removed).isGreaterThan(put.revision());
    eventually("both changes are heard", () -> heard.size() >= 2);
    assertThat(heard).containsExactly("put " + put.revision() + " DEGRADED by oncall",
        "remove " + removed + " by oncall2");
    assertThat(store.readAll().toCompletableFuture().join().entries()).isEmpty();
  }

  /** A setting written on one instance is read and heard on another. */
  @Test
  void controlSettingsAreSharedByTheFleet() throws InterruptedException {
    fleetOnly();
    ControlStore a = newInstance().control();
    ControlStore b = newInstance().control();
    List<String> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
    b.subscribe(listener(heard));
    ControlEntry put = a.put(level("graph", Degradation.READ_ONLY, "oncall")).toCompletableFuture().join();
    eventually("b hears a's setting", () -> heard.contains("put " + put.revision() + " READ_ONLY by oncall"));
    assertThat(b.readAll().toCompletableFuture().join().entries()).containsExactly(put);
  }

  private static ControlStore.Listener listener(List<String> heard) {
    return new ControlStore.Listener() {
      @Override
      public void onPut(ControlEntry e) {
        heard.add("put " + e.revision() + " " + e.setting().text() + " by " + e.setBy());
      }

      @Override
      public void onRemove(ControlKey key, String by, long revision) {
        heard.add("remove " + revision + " by " + by);
      }

      @Override
      public void onResync(ControlStore.Snapshot snapshot) {
        heard.add("resync " + snapshot.revision());
      }
    };
  }
}
