package dev.breakwater.control;

/**
 * The rollout slot of a tenant, 0 to 99: a 64-bit FNV-1a hash of the tenant's store-key encoding
 * ({@code StoreKeys.of(tenant)}: {@code <length>:<tenant>}, {@code -} when absent), finished with the MurmurHash3
 * mixer so that similar ids spread evenly. Stable across processes, versions and JVMs (no {@code String.hashCode}),
 * so every replica puts a tenant in the same arm; computed without allocating.
 */
final class TenantSlice {
  private static final long FNV_OFFSET = 0xcbf29ce484222325L;
  private static final long FNV_PRIME = 0x100000001b3L;

  private TenantSlice() {}

  /** The tenant's slot, 0 to 99; a tenant is in a rollout of {@code p} percent when its slot is below {@code p}. */
  static int slot(String tenant) {
    if (tenant == null) {
      return slot(dev.breakwater.spi.StoreKeys.of((String) null), false);
    }
    for (int i = 0; i < tenant.length(); i++) {
      if (Character.isSurrogate(tenant.charAt(i))) {
        // Only the rare id with surrogates takes the allocating path that encodes lone ones as StoreKeys does.
        return slot(dev.breakwater.spi.StoreKeys.of(tenant), false);
      }
    }
    return slot(tenant, true);
  }

  private static int slot(String s, boolean withLengthPrefix) {
    long h = FNV_OFFSET;
    if (withLengthPrefix) {
      h = mixDecimal(h, s.length());
      h = mixChar(h, ':');
    }
    for (int i = 0; i < s.length(); i++) {
      h = mixChar(h, s.charAt(i));
    }
    return (int) Long.remainderUnsigned(fmix64(h), 100);
  }

  /** Hashes the decimal digits of {@code n}, most significant first, as chars. */
  private static long mixDecimal(long h, int n) {
    int div = 1;
    while (n / div >= 10) {
      div *= 10;
    }
    for (; div > 0; div /= 10) {
      h = mixChar(h, (char) ('0' + (n / div) % 10));
    }
    return h;
  }

  /** One char into the hash: its low byte, then its high byte. */
  private static long mixChar(long h, char c) {
    h = (h ^ (c & 0xff)) * FNV_PRIME;
    return (h ^ (c >>> 8)) * FNV_PRIME;
  }

  private static long fmix64(long k) {
    k ^= k >>> 33;
    k *= 0xff51afd7ed558ccdL;
    k ^= k >>> 33;
    k *= 0xc4ceb9fe1a85ec53L;
    k ^= k >>> 33;
    return k;
  }
}
