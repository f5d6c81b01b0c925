package dev.breakwater.event;

import java.util.Locale;

/** What the cache stage decided for a call. */
public enum CacheOutcome {
  /** A fresh entry answered the call. */
  HIT,
  /** No fresh entry: the call went on to the upstream (and its value may be stored). */
  MISS,
  /** The upstream failed and an entry past its freshness but within stale-if-error answered. */
  STALE,
  /** Another call was already loading the same key: this one shared its result (single-flight). */
  LOAD_SHARED;

  private final String tag = name().toLowerCase(Locale.ROOT);

  /** The lower-case name, as metrics and logs spell it. */
  public String tag() {
    return tag;
  }
}
