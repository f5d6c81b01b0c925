package dev.breakwater.cache;

import static dev.breakwater.config.Checks.check;
import static dev.breakwater.config.Checks.notNegative;
import static dev.breakwater.config.Checks.positive;

import java.time.Duration;

/**
 * How reads are cached: fresh for {@code ttl}, then served stale for up to {@code staleIfError} more when the
 * upstream fails. Keys always carry {@code version} and the tenant, and the user unless {@code shared}.
 *
 * @param enabled      {@code false} bypasses the cache
 * @param ttl          how long an entry is fresh
 * @param staleIfError how long past freshness an entry may stand in for a failed call
 * @param version      the key prefix; bump it to orphan every entry of an older shape
 * @param shared       whether entries are shared by the users of a tenant (otherwise private per user)
 */
public record CacheConfig(boolean enabled, Duration ttl, Duration staleIfError, String version, boolean shared) {

  /** Validates every field. */
  public CacheConfig {
    positive("ttl", ttl);
    notNegative("staleIfError", staleIfError);
    check(version != null && !version.isBlank() && version.indexOf(':') < 0, "version", version,
        "a non-blank string without ':'");
  }

  /** A private (per user) cache of version {@code v1} with the given ttl and no stale serving. */
  public static CacheConfig of(Duration ttl) {
    return new CacheConfig(true, ttl, Duration.ZERO, "v1", false);
  }

  /** Returns a copy with stale-if-error set. */
  public CacheConfig withStaleIfError(Duration v) {
    return new CacheConfig(enabled, ttl, v, version, shared);
  }

  /** Returns a copy with the version set. */
  public CacheConfig withVersion(String v) {
    return new CacheConfig(enabled, ttl, staleIfError, v, shared);
  }

  /** Returns a copy shared by the users of a tenant, or private per user. */
  public CacheConfig withShared(boolean v) {
    return new CacheConfig(enabled, ttl, staleIfError, version, v);
  }
}
