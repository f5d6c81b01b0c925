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
 * <p>Permits live in a few padded stripes (one for small limits), each with a fixed share of the limit, so that
 * threads on different cores take and return permits on different cache lines: a thread tries its home stripe first,
 * then the others. Every stripe's count stays within its share, so the total never exceeds the limit; a release may
 * return a permit to any stripe that holds one, which keeps the total exact. Batch calls are admitted one at a time
 * against the total (they are the lane that can wait), so they never take the interactive reserve. A call that must
 * wait leaves a future in its lane's queue; every release hands the freed permit to the oldest interactive waiter
 * first, then to the oldest batch waiter if the batch share allows. A waiter that times out completes its future with
 * {@code false} and is skipped when its turn comes.
 *
 * <p>A reload that changes the limit {@linkplain #reconfigure resizes the bulkhead in place}: the permits of calls in
 * flight stay counted, so the new limit holds from the switch on (a smaller limit admits nobody until enough of
 * them finished). The stripe count stays as it was built. After a shrink a stripe may hold more than its new share
 * while another has room, so per-stripe checks alone would let the total pass the limit: until no stripe is over its
 * share, every admission is serialised and checked against the total ("settling"), which only releases can lower.
 */
public final class Bulkhead {
  private final String name;
  private volatile BulkheadConfig config;
  private final TimeSource time;
  private volatile int batchLimit;
  private final AtomicInteger[] stripes;
  private volatile int[] shares;
  private volatile boolean settling;
  private final int mask;
  private final Object batchAdmission = new Object();
  private final AtomicInteger queued = new AtomicInteger();
  private final Queue<Waiter> interactive = new ConcurrentLinkedQueue<>();
  private final Queue<Waiter> batch = new ConcurrentLinkedQueue<>();

  /** Creates a bulkhead. */
  public Bulkhead(String name, BulkheadConfig config, TimeSource time) {
    this.name = Objects.requireNonNull(name, "name");
    this.config = Objects.requireNonNull(config, "config");
    this.time = Objects.requireNonNull(time, "time");
    this.batchLimit = config.maxConcurrent() - config.interactiveReserve();
    int n = stripeCount(config.maxConcurrent());
    this.mask = n - 1;
    this.stripes = new AtomicInteger[n];
    for (int i = 0; i < n; i++) {
      stripes[i] = new dev.breakwater.internal.Padded.Int(0);
    }
    this.shares = shares(config.maxConcurrent(), n);
  }

  /** Splits {@code max} permits over {@code n} stripes, the remainder one each to the first stripes. */
  private static int[] shares(int max, int n) {
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      out[i] = max / n + (i < max % n ? 1 : 0);
    }
    return out;
  }

  /**
   * Takes a new config in place, keeping the permits of calls in flight: admissions from now on are checked against
   * the new limit and reserve, and waiters are served if the limit grew.
   */
  public synchronized void reconfigure(BulkheadConfig next) {
    Objects.requireNonNull(next, "next");
    int[] nextShares = shares(next.maxConcurrent(), stripes.length);
    synchronized (batchAdmission) {
      this.settling = true;
      this.config = next;
      this.batchLimit = next.maxConcurrent() - next.interactiveReserve();
      this.shares = nextShares;
    }
    drain();
  }

  /** One stripe per two cores (a power of two), and never fewer than 8 permits a stripe. */
  private static int stripeCount(int max) {
    int byCores = Integer.highestOneBit(Math.max(1, Runtime.getRuntime().availableProcessors()) * 2);
    int byLimit = Integer.highestOneBit(Math.max(1, max / 8));
    return Math.max(1, Math.min(8, Math.min(byCores, byLimit)));
  }

  private int home() {
    // A thread keeps its stripe (its id, mixed so that consecutive ids land apart).
    return (int) ((Thread.currentThread().getId() * 0x9E3779B97F4A7C15L) >>> 32) & mask;
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
    int sum = 0;
    for (AtomicInteger stripe : stripes) {
      sum += stripe.get();
    }
    return sum;
  }

  /** Calls waiting for a permit now. */
  public int queueDepth() {
    return queued.get();
  }

  /** Takes a permit if one is free for the lane; never waits. */
  public boolean tryAcquire(Lane lane) {
    BulkheadConfig config = this.config;
    if (settling) {
      return settlingAcquire(lane);
    }
    if (lane == Lane.BATCH && batchLimit < config.maxConcurrent()) {
      synchronized (batchAdmission) {
        // Serialised against other batch admissions; interactive calls racing with it only make the check stricter.
        return activeCalls() < batchLimit && takeAnyStripe();
      }
    }
    return takeAnyStripe();
  }

  private boolean settlingAcquire(Lane lane) {
    synchronized (batchAdmission) {
      BulkheadConfig config = this.config;
      int[] shares = this.shares;
      boolean over = false;
      for (int i = 0; i <= mask; i++) {
        over |= stripes[i].get() > shares[i];
      }
      if (!over) {
        settling = false;
      }
      int limit = lane == Lane.BATCH ? batchLimit : config.maxConcurrent();
      return activeCalls() < limit && takeAnyStripe();
    }
  }

  private boolean takeAnyStripe() {
    int home = home();
    int[] shares = this.shares;
    for (int k = 0; k <= mask; k++) {
      int i = (home + k) & mask;
      AtomicInteger stripe = stripes[i];
      int share = shares[i];
      while (true) {
        int a = stripe.get();
        if (a >= share) {
          break;
        }
        if (stripe.compareAndSet(a, a + 1)) {
          return true;
        }
      }
    }
    return false;
  }

  private void returnAnyStripe() {
    int home = home();
    for (int k = 0; k <= mask; k++) {
      AtomicInteger stripe = stripes[(home + k) & mask];
      while (true) {
        int a = stripe.get();
        if (a <= 0) {
          break;
        }
        if (stripe.compareAndSet(a, a - 1)) {
          return;
        }
      }
    }
    throw new IllegalStateException("bulkhead " + name + ": release without a permit held");
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
    if (maxWaitNanos <= 0 || queued.incrementAndGet() > config().maxQueue()) {
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
    returnAnyStripe();
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
        returnAnyStripe(); // the waiter timed out or another thread served it: give the permit back
      }
    }
  }

  @Override
  public String toString() {
    return "Bulkhead{" + name + ", active=" + activeCalls() + "/" + config.maxConcurrent() + ", queued="
        + queued.get() + '}';
  }

  private static final class Waiter extends CompletableFuture<Boolean> {
    volatile Cancellable timer = Cancellable.NONE;
  }
}
