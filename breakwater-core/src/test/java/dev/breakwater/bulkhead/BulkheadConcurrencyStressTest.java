package dev.breakwater.bulkhead;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.Lane;
import dev.breakwater.time.TimeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

/**
 * Many threads hammer one bulkhead through both paths, the non-blocking {@code tryAcquire} and the queued
 * {@code acquire} with short waits on the real clock; the holders they count never exceed the limits and every permit
 * comes back. Bounded by iterations, not by time.
 */
class BulkheadConcurrencyStressTest {
  private final int MAX_CONCURRENT = maxConcurrent();
  private final int INTERACTIVE_RESERVE = MAX_CONCURRENT / 4;

  private final Bulkhead bulkhead = new Bulkhead("stress",
      new BulkheadConfig(true, MAX_CONCURRENT, INTERACTIVE_RESERVE, Duration.ofMillis(1), 6), TimeSource.system());

  /** The limit under test: 4 permits live in one stripe; subclasses test a striped bulkhead. */
  int maxConcurrent() {
    return 4;
  }
  private final AtomicInteger holders = new AtomicInteger();
  private final AtomicInteger batchHolders = new AtomicInteger();
  private final AtomicInteger maxHolders = new AtomicInteger();
  private final AtomicInteger maxBatchHolders = new AtomicInteger();
  private final LongAdder held = new LongAdder();
  private final LongAdder servedAfterQueueing = new LongAdder();
  private final LongAdder waitsRefused = new LongAdder();

  @Test
  void mixedTryAcquireAndQueuedAcquireNeverExceedTheLimitsAndEveryPermitComesBack() throws Exception {
    hammer(12, 20_000, 8);
  }

  @Test
  void queuedAcquireAloneNeverExceedsTheLimitsAndEveryPermitComesBack() throws Exception {
    hammer(16, 4_000, 1);
  }

  /** {@code threads} threads each make {@code iterations} calls, every {@code queuedEvery}-th through the queue. */
  private void hammer(int threads, int iterations, int queuedEvery) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      workers.add(pool.submit(() -> {
        start.await();
        work(iterations, queuedEvery);
        return null;
      }));
    }
    start.countDown();
    for (Future<?> w : workers) {
      w.get(60, TimeUnit.SECONDS); // a safety net against a hang, not a performance assertion
    }
    pool.shutdown();
    assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    awaitQuiet();

    System.out.printf("BulkheadConcurrencyStressTest (%d threads): %,d permits held, %,d after queueing, %,d waits refused or "
        + "timed out; max holders %d (batch %d)%n", threads, held.sum(), servedAfterQueueing.sum(), waitsRefused.sum(),
        maxHolders.get(), maxBatchHolders.get());
    assertThat(maxHolders.get()).as("concurrent holders").isLessThanOrEqualTo(MAX_CONCURRENT);
    assertThat(maxBatchHolders.get()).as("concurrent batch holders")
        .isLessThanOrEqualTo(MAX_CONCURRENT - INTERACTIVE_RESERVE);
    assertThat(holders.get()).isZero();
    assertThat(bulkhead.activeCalls()).as("every permit came back").isZero();
    assertThat(bulkhead.queueDepth()).as("no waiter is left").isZero();
    if (threads > MAX_CONCURRENT) {
      assertThat(servedAfterQueueing.sum()).as("the queued path was exercised").isPositive();
      assertThat(maxHolders.get()).as("the bulkhead was saturated").isEqualTo(MAX_CONCURRENT);
    }
  }

  private void work(int iterations, int queuedEvery) throws Exception {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    for (int i = 0; i < iterations; i++) {
      Lane lane = random.nextInt(3) == 0 ? Lane.BATCH : Lane.INTERACTIVE;
      boolean got;
      if (i % queuedEvery == 0) {
        CompletableFuture<Boolean> f = bulkhead.acquire(lane, random.nextLong(50_000, 1_000_000));
        boolean queued = !f.isDone();
        got = f.get(10, TimeUnit.SECONDS);
        if (got && queued) {
          servedAfterQueueing.increment();
        } else if (!got) {
          waitsRefused.increment();
        }
      } else {
        got = bulkhead.tryAcquire(lane);
      }
      if (got) {
        hold(lane, random);
      }
    }
  }

  private void hold(Lane lane, ThreadLocalRandom random) {
    held.increment();
    int h = holders.incrementAndGet();
    maxHolders.accumulateAndGet(h, Math::max);
    if (lane == Lane.BATCH) {
      int b = batchHolders.incrementAndGet();
      maxBatchHolders.accumulateAndGet(b, Math::max);
    }
    int spins = random.nextInt(200);
    for (int k = 0; k < spins; k++) {
      Thread.onSpinWait();
    }
    if (spins % 16 == 0) {
      Thread.yield();
    }
    if (lane == Lane.BATCH) {
      batchHolders.decrementAndGet();
    }
    holders.decrementAndGet();
    bulkhead.release();
  }

  /**
   * A waiter that timed out is completed on the timer thread, which lowers the queue depth just after; wait briefly
   * for it to land.
   */
  private void awaitQuiet() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while ((bulkhead.queueDepth() != 0 || bulkhead.activeCalls() != 0) && System.nanoTime() - deadline < 0) {
      Thread.yield();
    }
  }
}
