package dev.breakwater.gateway.fault;

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

  /** The spelling in the config file, the admin API and metric tags: the name in lower case. */
  public String spelling() {
    return name().toLowerCase(Locale.ROOT);
  }
}
