package dev.breakwater.redis.internal;

import dev.breakwater.spi.StoreKeys;

/**
 * Key layout. Every key that one decision touches carries the same hash tag, {@code {tenant}}, so that a multi-key
 * script runs on one Redis Cluster node; cross-tenant buckets (GLOBAL, OPERATION scopes) carry {@code {*global}}.
 */
public final class Keys {
  private Keys() {}

  /** The hash tag for a tenant: braces and the escape character escaped so a tenant id cannot break the tag. */
  public static String tag(String tenant) {
    if (tenant == null || tenant.isEmpty()) {
      return "{*none}";
    }
    StringBuilder sb = new StringBuilder(tenant.length() + 2).append('{');
    for (int i = 0; i < tenant.length(); i++) {
      char c = tenant.charAt(i);
      switch (c) {
        case '{':
          sb.append("%7B");
          break;
        case '}':
          sb.append("%7D");
          break;
        case '%':
          sb.append("%25");
          break;
        default:
          sb.append(c);
      }
    }
    return sb.append('}').toString();
  }

  /**
   * The hash tag of an engine key whose first part is the tenant ({@link StoreKeys#tenantOf}); a key not built by
   * {@link StoreKeys} (a caller using a store directly) has no tenant to read and gets the tag of no tenant.
   */
  public static String tenantTag(String engineKey) {
    try {
      return tag(StoreKeys.tenantOf(engineKey));
    } catch (IllegalArgumentException e) {
      return tag(null);
    }
  }

  /** Escapes glob characters so that a literal prefix can be used in SCAN MATCH. */
  public static String globEscape(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 8);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
        sb.append('\\');
      }
      sb.append(c);
    }
    return sb.toString();
  }
}
