package dev.breakwater.gateway.slo;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Good and bad call counts in a ring of fixed-width time buckets: O(1) and allocation-free per call, thread-safe
 * without locks. A slot remembers which bucket it holds; a slot still holding an older bucket is reset by the first
 * call that lands in it, so a bucket nobody wrote to since it left the ring never counts. The SLO budgets count good
 * and bad calls in it; the health rules count failed and slow calls per upstream.
 */
public final class BudgetRing {
  private final long widthMillis;
  private final int slots;
  // Per slot: [3i] the bucket index it holds (-1: none yet), [3i + 1] good calls, [3i + 2] bad calls.
  private final AtomicLongArray cells;

  /** A ring of {@code slots} buckets of {@code widthMillis} each. */
  public BudgetRing(long widthMillis, int slots) {
    this.widthMillis = widthMillis;
    this.slots = slots;
    this.cells = new AtomicLongArray(slots * 3);
    for (int i = 0; i < slots; i++) {
      cells.set(3 * i, -1);
    }
  }

  /** Counts one call at {@code epochMillis}: good or bad. */
  public void record(long epochMillis, boolean bad) {
    long bucket = epochMillis / widthMillis;
    int base = 3 * (int) (bucket % slots);
    long held = cells.get(base);
    if (held != bucket && held < bucket && cells.compareAndSet(base, held, bucket)) {
      // The winner of the swap clears the old counts. A call another thread records between the swap and the clear
      // is lost: at most a handful per bucket boundary, far below what a burn rate can show.
      cells.set(base + 1, 0);
      cells.set(base + 2, 0);
    }
    if (cells.get(base) == bucket) {
      cells.incrementAndGet(base + (bad ? 2 : 1));
    }
    // A call stamped with a bucket older than the slot's (a thread that read the clock long before) is dropped.
  }

  /** Good and bad calls over the last {@code windowMillis} before {@code epochMillis}, at the ring's resolution. */
  public Counts over(long epochMillis, long windowMillis) {
    long now = epochMillis / widthMillis;
    long buckets = Math.min(slots, Math.max(1, windowMillis / widthMillis));
    long good = 0;
    long bad = 0;
    for (int i = 0; i < slots; i++) {
      long held = cells.get(3 * i);
      if (held > now - buckets && held <= now) {
        good += cells.get(3 * i + 1);
        bad += cells.get(3 * i + 2);
      }
    }
    return new Counts(good, bad);
  }

  /** The longest window this ring covers. */
  public long spanMillis() {
    return widthMillis * slots;
  }

  /** Good and bad calls over a window. */
  public record Counts(long good, long bad) {
    /** Bad calls over all counted calls; 0 when there were none (nothing spent). */
    public double errorRatio() {
      long total = good + bad;
      return total == 0 ? 0 : (double) bad / total;
    }
  }
}
