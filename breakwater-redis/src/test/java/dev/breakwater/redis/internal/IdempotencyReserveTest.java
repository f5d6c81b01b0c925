package dev.breakwater.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.idempotency.Reservation;
import dev.breakwater.redis.RedisState;
import dev.breakwater.redis.RedisStateConfig;
import dev.breakwater.redis.ValueCodec;
import dev.breakwater.redis.testing.RedisExtension;
import dev.breakwater.spi.StoreKeys;
import java.time.Duration;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Reserving a key decides the same through {@code SET NX PX GET} (Redis 7.0+) and through the script older servers
 * get: reserved, conflict while in flight, mismatch for another request, replay once done, reserved after release.
 */
class IdempotencyReserveTest {
  @RegisterExtension
  static final RedisExtension REDIS = RedisExtension.standalone();

  @ParameterizedTest(name = "by script: {0}")
  @ValueSource(booleans = {false, true})
  void bothWaysOfReservingAgreeOnEveryOutcome(boolean byScript) {
    try (RedisState state = RedisState.connect(RedisStateConfig.standalone(REDIS.uri()))) {
      RedisIdempotencyStore<String> store = (RedisIdempotencyStore<String>) state.idempotencyStore(ValueCodec.utf8());
      if (byScript) {
        store.reserveByScriptOnly();
      }
      String key = StoreKeys.of("contoso", null, "send", byScript ? "script" : "set-nx-get");
      Duration lease = Duration.ofSeconds(30);
      assertThat(store.reserve(key, "body#1", lease).status()).isEqualTo(Reservation.Status.RESERVED);
      assertThat(store.reserve(key, "body#1", lease).status()).isEqualTo(Reservation.Status.CONFLICT);
      assertThat(store.reserve(key, "body#2", lease).status()).isEqualTo(Reservation.Status.MISMATCH);
      store.complete(key, "body#1", "sent ✓", Duration.ofMinutes(5));
      Reservation<String> replay = store.reserve(key, "body#1", lease);
      assertThat(replay.status()).isEqualTo(Reservation.Status.REPLAY);
      assertThat(replay.value()).isEqualTo("sent ✓");
      assertThat(store.reserve(key, "body#2", lease).status()).isEqualTo(Reservation.Status.MISMATCH);
      String other = key + "-released";
      store.reserve(other, "x", lease);
      store.release(other, "x");
      assertThat(store.reserve(other, "x", lease).status()).isEqualTo(Reservation.Status.RESERVED);
      assertThat(state.health().degraded()).as("no decision fell back to local state").isFalse();
    }
  }
}
