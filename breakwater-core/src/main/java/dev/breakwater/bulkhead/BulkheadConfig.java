package dev.breakwater.bulkhead;

import static dev.breakwater.config.Checks.atLeast;
import static dev.breakwater.config.Checks.check;
import static dev.breakwater.config.Checks.notNegative;

import java.time.Duration;

/**
 * A concurrency limit: at most {@code maxConcurrent} calls at once, of which {@code interactiveReserve} permits only
 * interactive calls may take; a call that finds no permit waits up to {@code maxWait} (bounded by its deadline) in a
 * queue of at most {@code maxQueue} waiters, or fails at once with {@code BULKHEAD_FULL} when {@code maxWait} is zero.
 *
 * @param enabled            {@code false} lets every call through
 * @param maxConcurrent      the concurrency limit
 * @param interactiveReserve permits batch calls can never take
 * @param maxWait            the longest a call waits for a permit
 * @param maxQueue           the most calls waiting at once
 */
public record BulkheadConfig(boolean enabled, int maxConcurrent, int interactiveReserve, Duration maxWait,
    int maxQueue) {

  /** Validates every field. */
  public BulkheadConfig {
    atLeast("maxConcurrent", maxConcurrent, 1);
    atLeast("interactiveReserve", interactiveReserve, 0);
    check(interactiveReserve < maxConcurrent, "interactiveReserve", interactiveReserve,
        "< maxConcurrent (" + maxConcurrent + ")");
    notNegative("maxWait", maxWait);
    atLeast("maxQueue", maxQueue, 0);
  }

  /** Defaults: 25 concurrent calls, no reserve, no waiting. */
  public static BulkheadConfig defaults() {
    return new BulkheadConfig(true, 25, 0, Duration.ZERO, 0);
  }

  /** A bulkhead of {@code maxConcurrent} permits that never waits. */
  public static BulkheadConfig of(int maxConcurrent) {
    return new BulkheadConfig(true, maxConcurrent, 0, Duration.ZERO, 0);
  }

  /** Returns a copy with {@code enabled} set. */
  public BulkheadConfig withEnabled(boolean v) {
    return new BulkheadConfig(v, maxConcurrent, interactiveReserve, maxWait, maxQueue);
  }

  /** Returns a copy with the interactive reserve set. */
  public BulkheadConfig withInteractiveReserve(int v) {
    return new BulkheadConfig(enabled, maxConcurrent, v, maxWait, maxQueue);
  }

  /** Returns a copy that waits up to {@code wait} in a queue of at most {@code queue}. */
  public BulkheadConfig withWait(Duration wait, int queue) {
    return new BulkheadConfig(enabled, maxConcurrent, interactiveReserve, wait, queue);
  }
}
