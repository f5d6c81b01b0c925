package dev.breakwater.fault;

import java.util.Locale;

/** What an injected fault does to an upstream attempt. */
public enum FaultKind {
  /** The attempt waits before it is sent, as behind a slow upstream; past the attempt timeout it times out. */
  DELAY,
  /** The attempt is answered with an error status instead of being sent. */
  ERROR,
  /** The attempt is answered {@code 429} with {@code Retry-After} instead of being sent. */
  THROTTLE,
  /** The attempt fails as a reset connection would, without being sent. */
  ABORT;

  /** Every kind by its spelling, in declaration order. */
  public static java.util.Map<String, FaultKind> bySpelling() {
    java.util.Map<String, FaultKind> m = new java.util.LinkedHashMap<>();
    for (FaultKind k : values()) {
      m.put(k.spelling(), k);
    }
    return java.util.Collections.unmodifiableMap(m);
  }

  /** The spelling in the config file, the admin API and metric tags: the name in lower case. */
  public String spelling() {
    return name().toLowerCase(Locale.ROOT);
  }
}
