package dev.breakwater.spi;

import dev.breakwater.ratelimit.RateLimitConfig;
import dev.breakwater.ratelimit.RateLimitDecision;
import dev.breakwater.ratelimit.RateLimitQuota;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Where rate-limit state lives: in memory for one instance, in Redis for a fleet. Several limits of one call are
 * decided atomically: either every limit's tokens are consumed, or none is.
 */
public interface RateLimitStore {

  /** Takes {@code cost} tokens from the bucket {@code key} of {@code limit}. */
  RateLimitDecision tryAcquire(RateLimitConfig limit, String key, int cost);

  /**
   * Like {@link #tryAcquire(RateLimitConfig, String, int)}, given the engine clock's reading at the start of the
   * call: a store on the engine's clock may decide on it instead of reading the clock again (stores with their own
   * clock, such as Redis's server time, ignore it).
   */
  default RateLimitDecision tryAcquire(RateLimitConfig limit, String key, int cost, long nowNanos) {
    return tryAcquire(limit, key, cost);
  }

  /**
   * Takes {@code cost} tokens from every bucket, or from none: {@code limits.get(i)} with {@code keys.get(i)}.
   */
  RateLimitDecision tryAcquireAll(List<RateLimitConfig> limits, List<String> keys, int cost);

  /**
   * What is left of a bucket without taking from it, or {@code null} when the store cannot tell cheaply (a remote
   * store would need a round trip); used for informational response headers only.
   */
  default RateLimitQuota peek(RateLimitConfig limit, String key) {
    return null;
  }

  /**
   * What is left of a bucket, read from where the state lives (a remote store pays a round trip), without taking
   * from it; for operators' listings. In-memory stores answer what {@link #peek} does.
   */
  default CompletionStage<RateLimitQuota> inspect(RateLimitConfig limit, String key) {
    return CompletableFuture.completedFuture(peek(limit, key));
  }

  /** The asynchronous form of {@link #tryAcquireAll}; stores with remote state override it. */
  default CompletionStage<RateLimitDecision> tryAcquireAllAsync(List<RateLimitConfig> limits, List<String> keys,
      int cost) {
    return CompletableFuture.completedFuture(tryAcquireAll(limits, keys, cost));
  }
}
