package dev.breakwater.redis.internal;

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

  /** The tenant part of an engine key of the form {@code tenant\u001frest}, or the whole key. */
  public static String tenantOf(String engineKey) {
    int i = engineKey.indexOf('\u001f');
    return i < 0 ? engineKey : engineKey.substring(0, i);
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
