package dev.breakwater.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.breakwater.control.ControlKey;
import dev.breakwater.control.ControlKind;
import dev.breakwater.control.Target;
import dev.breakwater.spi.ControlStore;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Whatever arrives on the control channel or sits in the control hash (another client's writes, a newer layout) is
 * read as a change or skipped, never thrown into the connection.
 */
class ControlMessagesFuzzTest {

  /** Any message reads as a change or is refused with IllegalArgumentException. */
  @FuzzTest
  void anyMessageIsAChangeOrRefused(byte[] input) {
    try {
      RedisControlStore.Change c = RedisControlStore.Change.read(new String(input, StandardCharsets.UTF_8));
      assertThat(c.key()).isNotNull();
      assertThat(c.by()).isNotNull();
    } catch (IllegalArgumentException refused) {
      // refused in words
    }
  }

  /** Any hash content gives a snapshot: unreadable fields are skipped. */
  @FuzzTest
  void anyHashGivesASnapshot(byte[] input) {
    ControlStore.Snapshot s = RedisControlStore.snapshot(Map.of("rev", input, "6:broken", input));
    assertThat(s.entries().size()).isLessThanOrEqualTo(1);
  }

  @Test
  void aRemovalReadsBackWithItsRevision() {
    String key = dev.breakwater.control.ControlCodec.key(ControlKey.of(ControlKind.ROLLOUT, Target.route("r")));
    RedisControlStore.Change c = RedisControlStore.Change.read("R" + dev.breakwater.spi.StoreKeys.of(key, "ops", "42"));
    assertThat(c.revision()).isEqualTo(42);
    assertThat(c.by()).isEqualTo("ops");
    assertThat(c.entry()).isNull();
  }
}
