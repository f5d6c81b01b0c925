package dev.breakwater.internal;

import java.util.concurrent.ThreadLocalRandom;

/** Generates identifiers. */
public final class Ids {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private Ids() {}

  /** A random 128-bit correlation id in hex (the W3C trace-id shape), cheaper than a SecureRandom UUID. */
  public static String correlationId() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    char[] out = new char[32];
    long hi = r.nextLong();
    long lo = r.nextLong();
    for (int i = 0; i < 16; i++) {
      out[i] = HEX[(int) (hi >>> (60 - 4 * i)) & 0xF];
      out[16 + i] = HEX[(int) (lo >>> (60 - 4 * i)) & 0xF];
    }
    return new String(out);
  }
}
