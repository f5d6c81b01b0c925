package dev.breakwater.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.breakwater.BreakwaterException;
import dev.breakwater.ErrorCode;
import dev.breakwater.idempotency.Reservation;
import dev.breakwater.idempotency.WhenStoreUnavailable;
import dev.breakwater.redis.internal.RedisIdempotencyStore;
import dev.breakwater.redis.testing.OwnRedis;
import dev.breakwater.redis.testing.RespClient;
import dev.breakwater.spi.IdempotencyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A keyed write never runs twice because the idempotency store in Redis is down or slow: a reservation Redis does not
 * answer is refused with {@code DEGRADED} and retry advice by default; deciding on local records is an explicit
 * opt-in whose records reach Redis when it returns. Each test owns its redis-server, since they kill or pause it.
 */
class IdempotencyOutageTest {
  private static final Duration LEASE = Duration.ofSeconds(30);

  @RegisterExtension
  final OwnRedis redis = new OwnRedis();

  /** One replica: its own connection to the shared Redis, back on Redis soon after it returns. */
  private RedisState replica() {
    RedisState s = redis.connect(RedisStateConfig.standalone(redis.server().uri())
        .withOpenDuration(Duration.ofMillis(300)).withHeartbeat(Duration.ofMillis(100)));
    return s;
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
  void whileRedisIsDownAKeyedReservationIsRefusedAsDegradedWithRetryAdviceAndTakesNoLocalRecord() throws Exception {
    RedisState a = replica();
    IdempotencyStore<String> store = a.idempotencyStore(ValueCodec.utf8());
    redis.server().kill9();

    BreakwaterException refused = catchThrowableOfType(() -> store.reserve("t\u001fsend\u001fk1", "body", LEASE),
        BreakwaterException.class);

    assertThat(refused).as("refused, not decided on local state").isNotNull();
    assertThat(refused.code()).isEqualTo(ErrorCode.DEGRADED);
    assertThat(refused.retryAfter())
        .hasValueSatisfying(d -> assertThat(d).isGreaterThanOrEqualTo(Duration.ofSeconds(1)));
    assertThat(refused.getMessage()).doesNotContain("Redis").doesNotContain("Exception");
    assertThat(a.health().degraded()).isTrue();
    assertThat(a.health().refusedDecisions()).isPositive();

    redis.server().restart();
    eventually("the replica returns to Redis", () -> {
      try {
        return store.reserve("t\u001fsend\u001fk1", "body", LEASE).status() == Reservation.Status.RESERVED;
      } catch (BreakwaterException stillRefused) {
        return false;
      }
    });
  }

  @Test
  void acceptLocalDecidesOnLocalRecordsAndAnotherReplicaReplaysThemOnceRedisIsBack() throws Exception {
    RedisState a = replica();
    IdempotencyStore<String> mine = a.idempotencyStore(ValueCodec.utf8());
    redis.server().kill9();

    assertThat(mine.reserve("t\u001fsend\u001fdone", "body", LEASE, WhenStoreUnavailable.ACCEPT_LOCAL).status())
        .isEqualTo(Reservation.Status.RESERVED);
    mine.complete("t\u001fsend\u001fdone", "body", "sent during the outage", Duration.ofMinutes(5));
    assertThat(mine.reserve("t\u001fsend\u001finflight", "body", LEASE, WhenStoreUnavailable.ACCEPT_LOCAL).status())
        .isEqualTo(Reservation.Status.RESERVED);

    redis.server().restart();
    eventually("the completed local record is written to Redis",
        () -> ((RedisIdempotencyStore<String>) mine).reconciled() >= 1);
    // The call in flight during the outage completes after Redis is back: its record goes to Redis as usual.
    mine.complete("t\u001fsend\u001finflight", "body", "sent across the outage", Duration.ofMinutes(5));

    IdempotencyStore<String> other = replica().idempotencyStore(ValueCodec.utf8());
    Reservation<String> done = other.reserve("t\u001fsend\u001fdone", "body", LEASE);
    assertThat(done.status()).as("not executed again on another replica").isEqualTo(Reservation.Status.REPLAY);
    assertThat(done.value()).isEqualTo("sent during the outage");
    Reservation<String> inflight = other.reserve("t\u001fsend\u001finflight", "body", LEASE);
    assertThat(inflight.status()).isEqualTo(Reservation.Status.REPLAY);
    assertThat(inflight.value()).isEqualTo("sent across the outage");
  }

  @Test
  void aReservationSlowerThanTheCommandTimeoutIsRefusedNotDecidedLocally() throws Exception {
    RedisState a = replica();
    IdempotencyStore<String> store = a.idempotencyStore(ValueCodec.utf8());
    RespClient.call(redis.server().port(), "CLIENT", "PAUSE", "400", "WRITE");

    BreakwaterException refused = catchThrowableOfType(() -> store.reserve("t\u001fsend\u001fslow", "body", LEASE),
        BreakwaterException.class);

    assertThat(refused).as("a slow reservation is refused").isNotNull();
    assertThat(refused.code()).isEqualTo(ErrorCode.DEGRADED);
    assertThat(a.health().degraded()).as("ready reports the refusal").isTrue();
    assertThat(a.health().detail()).contains("keyed writes refused");
    assertThat(a.health().unreachable()).as("one slow answer is no outage: health rules see Redis up").isFalse();
  }

  @Test
  void twoReplicasNeverBothReserveOneKeyWhileRedisIsPausedPartOfTheTime() throws Exception {
    List<IdempotencyStore<String>> replicas = List.of(replica().idempotencyStore(ValueCodec.utf8()),
        replica().idempotencyStore(ValueCodec.utf8()));
    int keys = 60;
    int perKey = 8;
    AtomicIntegerArray reserved = new AtomicIntegerArray(keys);
    AtomicInteger refused = new AtomicInteger();
    AtomicInteger unexpected = new AtomicInteger();
    AtomicBoolean running = new AtomicBoolean(true);
    Thread chaos = new Thread(() -> {
      while (running.get()) {
        RespClient.call(redis.server().port(), "CLIENT", "PAUSE", "150", "WRITE");
        sleep(250);
      }
    });
    chaos.start();
    List<Thread> callers = new ArrayList<>();
    CountDownLatch go = new CountDownLatch(1);
    for (int t = 0; t < perKey; t++) {
      IdempotencyStore<String> store = replicas.get(t % 2);
      Thread caller = new Thread(() -> {
        try {
          go.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int k = 0; k < keys; k++) {
          try {
            if (store.reserve("t\u001fsend\u001fkey-" + k, "body", LEASE).status() == Reservation.Status.RESERVED) {
              reserved.incrementAndGet(k);
            }
          } catch (BreakwaterException e) {
            (e.code() == ErrorCode.DEGRADED ? refused : unexpected).incrementAndGet();
          }
          sleep(10);
        }
      });
      caller.start();
      callers.add(caller);
    }
    go.countDown();
    for (Thread c : callers) {
      c.join(120_000);
    }
    running.set(false);
    chaos.join(10_000);

    System.out.printf("paused redis: %d reservations refused of %d%n", refused.get(), keys * perKey);
    for (int k = 0; k < keys; k++) {
      assertThat(reserved.get(k)).as("reservations of key-%d", k).isLessThanOrEqualTo(1);
    }
    assertThat(unexpected.get()).as("refusals other than DEGRADED").isZero();
    assertThat(refused.get()).as("the pauses did make reservations time out").isPositive();
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
