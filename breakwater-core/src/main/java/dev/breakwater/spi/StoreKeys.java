package dev.breakwater.spi;

import java.util.ArrayList;
import java.util.List;

/**
 * The one encoding of every store key the engine builds from identity (tenant, user, operation, resource,
 * idempotency key...): each part is written self-delimiting, so no id can shift another part's boundary.
 *
 * <p><b>Encoding.</b> A key is the concatenation of its encoded parts, in order:
 * <ul>
 *   <li>a present part {@code s} is {@code <decimal length of s in chars>:<s>}, for example {@code "tA:z"} is
 *       {@code 4:tA:z};</li>
 *   <li>an absent part ({@code null}) is {@code -};</li>
 *   <li>a part that is not well-formed UTF-16 (a lone surrogate, which UTF-8 cannot carry: Redis would receive
 *       {@code ?} and merge distinct ids) is {@code ~<n>:} followed by its n chars as four hex digits each.</li>
 * </ul>
 * Every encoded part starts with a digit, {@code -} or {@code ~} and says where it ends, so the encoding is
 * injective: two different tuples of parts (of any length) never give the same key, whatever characters the parts
 * hold, and the key is well-formed UTF-16 so its UTF-8 bytes are just as distinct. The encoding is also prefix-free:
 * the encoding of the first N parts of a key is a prefix of it, and a key starts with {@code of(p1, ..., pN)} exactly
 * when its first N parts are {@code p1, ..., pN}; {@link CacheStore#invalidatePrefix} relies on this.
 *
 * <p><b>Absent is not empty.</b> {@code null} (the id is absent: a call without a tenant, a shared cache entry that
 * names no user) and {@code ""} (an id that is present and empty) are different parts. An absent tenant therefore
 * never shares state with any real tenant id, the empty one included.
 *
 * <p><b>Key contract.</b> The engine builds these keys, with these parts, and stores receive them as opaque strings:
 * <ul>
 *   <li>cache keys: {@code cacheVersion, tenant, operation, scope, user, credential digest, resource}, scope
 *       {@code S} with user and credential absent when the cache is shared by a tenant's users, {@code P} otherwise
 *       (see {@code dev.breakwater.cache.CacheKeys});</li>
 *   <li>last-good keys: {@code tenant, user, credential digest, operation, resource};</li>
 *   <li>idempotency keys: {@code tenant, user, operation, Idempotency-Key};</li>
 *   <li>rate-limit bucket keys: per scope, {@code tenant} / {@code tenant, user} / {@code tenant, operation} /
 *       {@code operation}, and the empty key (no parts) for the global scope.</li>
 * </ul>
 * The tenant is always the first identity part after any version part: a store that partitions by tenant (a Redis
 * Cluster hash tag) reads it with {@link #tenantOf} (idempotency keys, tenant-scoped rate-limit keys) or
 * {@code part(key, 1)} (cache keys), never by parsing the key itself.
 */
public final class StoreKeys {
  private static final char ABSENT = '-';
  private static final char HEX = '~';
  private static final char[] DIGITS = "0123456789abcdef".toCharArray();

  private StoreKeys() {}

  /** The key of one part. */
  public static String of(String a) {
    return append(new StringBuilder(room(a)), a).toString();
  }

  /** The key of two parts. */
  public static String of(String a, String b) {
    return append(append(new StringBuilder(room(a) + room(b)), a), b).toString();
  }

  /** The key of three parts. */
  public static String of(String a, String b, String c) {
    return append(append(append(new StringBuilder(room(a) + room(b) + room(c)), a), b), c).toString();
  }

  /** The key of four parts. */
  public static String of(String a, String b, String c, String d) {
    StringBuilder sb = new StringBuilder(room(a) + room(b) + room(c) + room(d));
    return append(append(append(append(sb, a), b), c), d).toString();
  }

  /** The key of five parts. */
  public static String of(String a, String b, String c, String d, String e) {
    StringBuilder sb = new StringBuilder(room(a) + room(b) + room(c) + room(d) + room(e));
    return append(append(append(append(append(sb, a), b), c), d), e).toString();
  }

  /** The key of any number of parts (zero parts: the empty key). */
  public static String ofParts(String... parts) {
    int n = 0;
    for (String p : parts) {
      n += room(p);
    }
    StringBuilder sb = new StringBuilder(n);
    for (String p : parts) {
      append(sb, p);
    }
    return sb.toString();
  }

  /** Appends one encoded part to {@code sb} and returns it. */
  public static StringBuilder append(StringBuilder sb, String part) {
    if (part == null) {
      return sb.append(ABSENT);
    }
    if (!wellFormed(part)) {
      sb.append(HEX).append(part.length()).append(':');
      for (int i = 0; i < part.length(); i++) {
        char c = part.charAt(i);
        sb.append(DIGITS[c >>> 12]).append(DIGITS[(c >>> 8) & 0xf]).append(DIGITS[(c >>> 4) & 0xf])
            .append(DIGITS[c & 0xf]);
      }
      return sb;
    }
    return sb.append(part.length()).append(':').append(part);
  }

  /** The tenant of an idempotency or tenant-scoped rate-limit key: its first part ({@code null} when absent). */
  public static String tenantOf(String key) {
    return part(key, 0);
  }

  /**
   * The part at {@code index} (from 0) of a key built here, {@code null} when that part is absent.
   *
   * @throws IllegalArgumentException when the key has no such part or was not built by this class
   */
  public static String part(String key, int index) {
    int at = 0;
    for (int i = 0; i < index; i++) {
      at = end(key, at);
    }
    return decode(key, at);
  }

  /** Whether a key built here has {@code value} at part {@code index} (no for a key without it, or not built here). */
  public static boolean partIs(String key, int index, String value) {
    try {
      return java.util.Objects.equals(part(key, index), value);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * Every part of a key built here, in order ({@code null} for an absent part).
   *
   * @throws IllegalArgumentException when the key was not built by this class
   */
  public static List<String> parts(String key) {
    List<String> out = new ArrayList<>(4);
    for (int at = 0; at < key.length(); at = end(key, at)) {
      out.add(decode(key, at));
    }
    return out;
  }

  /** The encoded size of a part, so the builder is allocated once at its final size (a malformed part grows it). */
  private static int room(String part) {
    if (part == null) {
      return 1;
    }
    int n = part.length();
    int digits = n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : n < 10_000 ? 4 : 10;
    return digits + 1 + n;
  }

  private static boolean wellFormed(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 == s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
          return false;
        }
        i++;
      } else if (Character.isLowSurrogate(c)) {
        return false;
      }
    }
    return true;
  }

  /** Where the part starting at {@code at} ends. */
  private static int end(String key, int at) {
    if (at >= key.length()) {
      throw malformed(key);
    }
    char c = key.charAt(at);
    if (c == ABSENT) {
      return at + 1;
    }
    int colon = key.indexOf(':', at);
    if (colon < 0) {
      throw malformed(key);
    }
    int n = length(key, c == HEX ? at + 1 : at, colon);
    long end = colon + 1 + (c == HEX ? 4L * n : n);
    if (end > key.length()) {
      throw malformed(key);
    }
    return (int) end;
  }

  private static String decode(String key, int at) {
    int end = end(key, at);
    char c = key.charAt(at);
    if (c == ABSENT) {
      return null;
    }
    int start = key.indexOf(':', at) + 1;
    if (c != HEX) {
      return key.substring(start, end);
    }
    char[] out = new char[(end - start) / 4];
    for (int i = 0; i < out.length; i++) {
      out[i] = (char) Integer.parseInt(key.substring(start + 4 * i, start + 4 * i + 4), 16);
    }
    return new String(out);
  }

  private static int length(String key, int from, int colon) {
    if (from == colon || colon - from > 9) {
      throw malformed(key);
    }
    int n = 0;
    for (int i = from; i < colon; i++) {
      char d = key.charAt(i);
      if (d < '0' || d > '9') {
        throw malformed(key);
      }
      n = n * 10 + (d - '0');
    }
    return n;
  }

  private static IllegalArgumentException malformed(String key) {
    return new IllegalArgumentException("not a store key built from parts (length " + key.length() + ")");
  }
}
