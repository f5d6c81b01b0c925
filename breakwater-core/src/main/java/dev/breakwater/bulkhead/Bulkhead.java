package dev.breakwater.bulkhead;

import dev.breakwater.Lane;
import dev.breakwater.time.Cancellable;
import dev.breakwater.time.TimeSource;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A concurrency limit with priority lanes and an optional bounded wait that never blocks a thread in the async path.
 *
 * <p>Permits are one counter changed by compare-and-set: {@link #tryAcquire(Lane)} is the whole fast path. A call
 * that must wait leaves a future in its lane's queue; every release hands the freed permit to the oldest interactive
 * waiter first, then to the oldest batch waiter if the batch share allows. A waiter that times out completes its
 * future with {@code false} and is skipped when its turn comes.
 */
public final class Bulkhead {
  private final String name;
  private final BulkheadConfig config;
  private final TimeSource time;
  private final int batchLimit;
  private final AtomicInteger active = new dev.breakwater.internal.Padded.Int(0);
  private final AtomicInteger queued = new AtomicInteger();
  private final Queue<Waiter> interactive = new ConcurrentLinkedQueue<>();
  private final Queue<Waiter> batch = new ConcurrentLinkedQueue<>();

  /** Creates a bulkhead. */
  public Bulkhead(String name, BulkheadConfig config, TimeSource time) {
    this.name = Objects.requireNonNull(name, "name");
    this.config = Objects.requireNonNull(config, "config");
    this.time = Objects.requireNonNull(time, "time");
    this.batchLimit = config.maxConcurrent() - config.interactiveReserve();
  }

  /** The bulkhead's name. */
  public String name() {
    return name;
  }

  /** The bulkhead's config. */
  public BulkheadConfig config() {
    return config;
  }

  /** Calls holding a permit now. */
  public int activeCalls() {
    return active.get();
  }

  /** Calls waiting for a permit now. */
  public int queueDepth() {
    return queued.get();
  }

  /** Takes a permit if one is free for the lane; never waits. */
  public boolean tryAcquire(Lane lane) {
    int limit = lane == Lane.BATCH ? batchLimit : config.maxConcurrent();
    while (true) {
      int a = active.get();
      if (a >= limit) {
        return false;
      }
      if (active.compareAndSet(a, a + 1)) {
        return true;
      }
    }
  }

  /**
   * Takes a permit, waiting up to {@code maxWaitNanos} without blocking: the future completes with {@code true} when
   * the permit is held and {@code false} when none came in time or the queue is full. Completion may happen on the
   * thread that released the permit or on the timer thread, so a caller hands its continuation on.
   */
  public CompletableFuture<Boolean> acquire(Lane lane, long maxWaitNanos) {
    if (tryAcquire(lane)) {
      return CompletableFuture.completedFuture(Boolean.TRUE);
    }
    if (maxWaitNanos <= 0 || queued.incrementAndGet() > config.maxQueue()) {
      if (maxWaitNanos > 0) {
        queued.decrementAndGet();
      }
      return CompletableFuture.completedFuture(Boolean.FALSE);
    }
    Waiter w = new Waiter();
    (lane == Lane.BATCH ? batch : interactive).add(w);
    w.timer = time.schedule(() -> {
      if (w.complete(Boolean.FALSE)) {
        queued.decrementAndGet();
      }
    }, maxWaitNanos);
    drain(); // a permit may have been freed between the failed try and the enqueue
    return w;
  }

  /** Returns a permit and hands it to the next eligible waiter. */
  public void release() {
    active.decrementAndGet();
    // A waiter counts itself in `queued` before it enqueues and drains after, so skipping here loses no wake-up.
    if (queued.get() > 0) {
      drain();
    }
  }

  private void drain() {
    while (true) {
      Queue<Waiter> q;
      Lane lane;
      if (!interactive.isEmpty()) {
        q = interactive;
        lane = Lane.INTERACTIVE;
      } else if (!batch.isEmpty()) {
        q = batch;
        lane = Lane.BATCH;
      } else {
        return;
      }
      if (!tryAcquire(lane)) {
        return;
      }
      Waiter w = q.poll();
      if (w != null && w.complete(Boolean.TRUE)) {
        queued.decrementAndGet();
        w.timer.cancel();
      } else {
        active.decrementAndGet(); // the waiter timed out or another thread served it: give the permit back
      }
    }
  }

  @Override
  public String toString() {
    return "Bulkhead{" + name + ", active=" + active.get() + "/" + config.maxConcurrent() + ", queued="
        + queued.get() + '}';
  }

  private static final class Waiter extends CompletableFuture<Boolean> {
    volatile Cancellable timer = Cancellable.NONE;
  }
}
