package dev.breakwater.control;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.spi.StoreKeys;
import org.junit.jupiter.api.Test;

/** A tenant's rollout slot is a stable hash of its store-key encoding, spread evenly over 0..99. */
class TenantSliceTest {

  @Test
  void theSlotIsTheHashOfTheStoreKeyEncodingWhateverTheId() {
    for (String t : new String[] {"", "a", "contoso", "tenant-1234567890", "x".repeat(12), "\ud83d\ude00",
        "lone\ud800", "1:a"}) {
      assertThat(TenantSlice.slot(t)).as("tenant [%s]", t).isEqualTo(slotOfEncoded(StoreKeys.of(t)));
    }
    assertThat(TenantSlice.slot(null)).isEqualTo(slotOfEncoded("-"));
  }

  @Test
  void theSlotsAreKnownValuesSoNoReleaseMovesATenant() {
    // Pinned: a change of hash would move tenants between arms across a rolling upgrade.
    assertThat(new int[] {TenantSlice.slot("contoso"), TenantSlice.slot("fabrikam"), TenantSlice.slot(null)})
        .containsExactly(69, 90, 69);
  }

  @Test
  void slotsSpreadEvenly() {
    int[] counts = new int[100];
    for (int i = 0; i < 100_000; i++) {
      counts[TenantSlice.slot("t" + i)]++;
    }
    for (int c : counts) {
      assertThat(c).isBetween(850, 1_150);
    }
  }

  /** The reference: FNV-1a 64 over each char's two bytes (low first), then the MurmurHash3 finaliser, mod 100. */
  private static int slotOfEncoded(String encoded) {
    long h = 0xcbf29ce484222325L;
    for (char c : encoded.toCharArray()) {
      h = (h ^ (c & 0xff)) * 0x100000001b3L;
      h = (h ^ (c >>> 8)) * 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return (int) Long.remainderUnsigned(h, 100);
  }
}
