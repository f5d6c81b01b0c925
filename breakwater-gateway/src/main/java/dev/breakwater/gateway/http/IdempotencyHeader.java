package dev.breakwater.gateway.http;

import dev.breakwater.idempotency.IdempotencyConfig;

/**
 * The {@code Idempotency-Key} header as a route sees it: how long a key may be (its idempotency policy's
 * {@code maxKeyLength}, or 255 on a route without one, where the key is only forwarded) and whether a keyed request
 * may be repeated upstream.
 */
public final class IdempotencyHeader {
  /** The longest key a route without an idempotency policy forwards. */
  public static final int DEFAULT_MAX_LENGTH = 255;

  private IdempotencyHeader() {}

  /** The longest key accepted under {@code policy} (null or disabled: no policy). */
  public static int maxLength(IdempotencyConfig policy) {
    return deduplicating(policy) ? policy.maxKeyLength() : DEFAULT_MAX_LENGTH;
  }

  /**
   * Whether a request carrying {@code key} may be sent to the upstream again after it may have run there: a key AND
   * a policy saying the upstream deduplicates keys. The route's own records (a policy and a key) answer the caller's
   * repeats; they never make the gateway's own repeated attempt safe.
   */
  public static boolean repeatable(IdempotencyConfig policy, String key) {
    return deduplicating(policy) && policy.repeatable(key);
  }

  /** Whether {@code key} is 1 to {@code max} visible ASCII characters. */
  public static boolean valid(String key, int max) {
    if (key.isEmpty() || key.length() > max) {
      return false;
    }
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c < 0x21 || c > 0x7e) {
        return false;
      }
    }
    return true;
  }

  private static boolean deduplicating(IdempotencyConfig policy) {
    return policy != null && policy.enabled();
  }
}
