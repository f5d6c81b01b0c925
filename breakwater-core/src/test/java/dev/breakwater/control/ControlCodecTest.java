package dev.breakwater.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.breakwater.Degradation;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Entries survive the trip through a shared store's text exactly; anything else read back is refused in words. */
class ControlCodecTest {

  @Test
  void everyKindOfEntryRoundTrips() {
    ControlEntry[] entries = {
        new ControlEntry(ControlKey.of(ControlKind.DEGRADATION, Target.route("a:b|c")),
            new Setting.Level(Degradation.READ_ONLY), "on call:1", 1L, 2L, 3L),
        new ControlEntry(ControlKey.of(ControlKind.BREAKER, Target.upstream("graph")),
            new Setting.Breaker(BreakerMode.DISABLED), "ops", 10L, 0L, 11L),
        new ControlEntry(ControlKey.of(ControlKind.ENABLED, Target.global()), new Setting.Enabled(false), "ops", 1L,
            0L, 1L),
        new ControlEntry(ControlKey.of(ControlKind.ROLLOUT, Target.upstream("\ud800x")), new Setting.Rollout(10),
            "ops", 1L, 0L, Long.MAX_VALUE)};
    for (ControlEntry e : entries) {
      assertThat(ControlCodec.readEntry(ControlCodec.entry(e))).isEqualTo(e);
      assertThat(ControlCodec.readKey(ControlCodec.key(e.key()))).isEqualTo(e.key());
    }
  }

  @Test
  void garbageIsRefusedWithAnIllegalArgument() {
    assertThatThrownBy(() -> ControlCodec.readEntry("hello")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ControlCodec.readKey("5:chaos6:GLOBAL-")).hasMessage("unknown control: chaos");
    assertThatThrownBy(() -> ControlCodec.readEntry(null)).isInstanceOf(IllegalArgumentException.class);
  }

  /** Any bytes read back from a store give an entry or an IllegalArgumentException, never anything else. */
  @FuzzTest
  void anyTextGivesAnEntryOrAnIllegalArgument(byte[] input) {
    String text = new String(input, StandardCharsets.UTF_8);
    try {
      ControlEntry e = ControlCodec.readEntry(text);
      assertThat(ControlCodec.readEntry(ControlCodec.entry(e))).isEqualTo(e);
    } catch (IllegalArgumentException expected) {
      // refused in words
    }
    try {
      ControlCodec.readKey(text);
    } catch (IllegalArgumentException expected) {
      // refused in words
    }
  }
}
