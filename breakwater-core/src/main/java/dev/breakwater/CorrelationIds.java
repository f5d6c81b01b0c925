package dev.breakwater;

import java.util.concurrent.ThreadLocalRandom;

/** Correlation ids: what the engine and the gateway stamp on a call that arrives without one. */
public final class CorrelationIds {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private CorrelationIds() {}

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
