package dev.breakwater.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.breakwater.cache.CacheEntry;
import dev.breakwater.idempotency.Reservation;
import dev.breakwater.ratelimit.RateLimitQuota;
import dev.breakwater.redis.ValueCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Fuzzes the decoding of what Redis sends back: the rate-limit scripts' replies, idempotency records and cache
 * records. A reply or record that is not what the scripts write (another client's value under the key, a script of
 * another version) is refused with {@link IllegalStateException} or read as no record, never another exception.
 */
class RedisRepliesFuzzTest {
  private static final byte[] FP = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
      .getBytes(StandardCharsets.US_ASCII);

  /** Any reply or record decodes to a sane value or is refused with IllegalStateException. */
  @FuzzTest
  void anyReplyDecodesToASaneValueOrIsRefused(FuzzedDataProvider data) {
    switch (data.consumeInt(0, 2)) {
      case 0 -> quota(data);
      case 1 -> idempotencyRecord(data.consumeRemainingAsBytes());
      default -> cacheRecord(data.consumeRemainingAsBytes());
    }
  }

  private static void quota(FuzzedDataProvider data) {
    int at = data.consumeInt(0, 4);
    List<Object> reply = reply(data, 0);
    try {
      RateLimitQuota q = RedisRateLimitStore.quota(reply, at);
      assertThat(q.remaining()).as("remaining of %s at %s", reply, at).isNotNegative();
      assertThat(q.resetSeconds()).as("reset of %s at %s", reply, at).isNotNegative();
    } catch (IllegalStateException refused) {
      assertThat(refused.getMessage()).startsWith("unexpected redis reply");
    }
  }

  /** A reply as Lettuce hands a MULTI script output over: integers, bulk strings, nils and nested arrays. */
  private static List<Object> reply(FuzzedDataProvider data, int depth) {
    int n = data.consumeInt(0, 6);
    List<Object> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      switch (data.consumeInt(0, depth < 2 ? 4 : 3)) {
        case 0, 1 -> out.add(data.consumeLong());
        case 2 -> out.add(data.consumeBytes(8));
        case 3 -> out.add(null);
        default -> out.add(reply(data, depth + 1));
      }
    }
    return out;
  }

  private static void idempotencyRecord(byte[] record) {
    Reservation<byte[]> r = RedisIdempotencyStore.fromRecord(record, FP, ValueCodec.bytes());
    assertThat(r).isNotNull();
    if (r.value() != null) {
      assertThat(r.value()).isEqualTo(Arrays.copyOfRange(record, 1 + FP.length, record.length));
    }
  }

  private static void cacheRecord(byte[] record) {
    CacheEntry<byte[]> e = RedisCacheStore.decode(record, ValueCodec.bytes());
    if (record.length < 16) {
      assertThat(e).isNull();
    } else {
      assertThat(e.value()).isEqualTo(Arrays.copyOfRange(record, 16, record.length));
    }
  }
}
