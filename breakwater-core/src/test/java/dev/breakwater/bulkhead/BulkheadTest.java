package dev.breakwater.bulkhead;

import static dev.breakwater.Lane.BATCH;
import static dev.breakwater.Lane.INTERACTIVE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.time.VirtualTimeSource;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Scenarios of one bulkhead: permits, priority lanes and non-blocking waits on virtual time. */
class BulkheadTest {
  private static final long SECOND = Duration.ofSeconds(1).toNanos();

  private final VirtualTimeSource time = new VirtualTimeSource();

  private Bulkhead bulkhead(int maxConcurrent, int interactiveReserve, int maxQueue) {
    return new Bulkhead("upstream",
        new BulkheadConfig(true, maxConcurrent, interactiveReserve, Duration.ofSeconds(1), maxQueue), time);
  }

  private static void fill(Bulkhead b, int n) {
    for (int i = 0; i < n; i++) {
      assertThat(b.tryAcquire(INTERACTIVE)).isTrue();
    }
  }

  @Nested
  @DisplayName("tryAcquire")
  class TryAcquire {

    @Test
    void admitsUpToMaxConcurrentCalls() {
      Bulkhead b = bulkhead(3, 0, 0);

      assertThat(b.tryAcquire(INTERACTIVE)).isTrue();
      assertThat(b.tryAcquire(INTERACTIVE)).isTrue();
      assertThat(b.tryAcquire(INTERACTIVE)).isTrue();
      assertThat(b.tryAcquire(INTERACTIVE)).isFalse();

      assertThat(b.activeCalls()).isEqualTo(3);
    }

    @Test
    void aReleasedPermitCanBeTakenAgain() {
      Bulkhead b = bulkhead(1, 0, 0);
      fill(b, 1);

      b.release();

      assertThat(b.activeCalls()).isZero();
      assertThat(b.tryAcquire(BATCH)).isTrue();
    }

    @Test
    void theBatchLaneCanNeverTakeTheInteractiveReserve() {
      Bulkhead b = bulkhead(3, 1, 0);

      assertThat(b.tryAcquire(BATCH)).isTrue();
      assertThat(b.tryAcquire(BATCH)).isTrue();
      assertThat(b.tryAcquire(BATCH)).as("the last permit is reserved").isFalse();

      assertThat(b.tryAcquire(INTERACTIVE)).isTrue();
      assertThat(b.tryAcquire(INTERACTIVE)).isFalse();
    }

    @Test
    void interactiveCallsMayUseEveryPermit() {
      Bulkhead b = bulkhead(3, 1, 0);

      fill(b, 3);

      assertThat(b.activeCalls()).isEqualTo(3);
    }

    @Test
    void interactiveCallsCountAgainstTheBatchShare() {
      Bulkhead b = bulkhead(3, 1, 0);
      fill(b, 2);

      assertThat(b.tryAcquire(BATCH)).as("2 active of a batch share of 2").isFalse();
    }
  }

  @Nested
  @DisplayName("acquire with a wait")
  class Waiting {

    @Test
    void completesAtOnceWhenAPermitIsFree() {
      Bulkhead b = bulkhead(1, 0, 1);

      CompletableFuture<Boolean> f = b.acquire(INTERACTIVE, SECOND);

      assertThat(f).isCompletedWithValue(true);
      assertThat(b.activeCalls()).isEqualTo(1);
      assertThat(b.queueDepth()).isZero();
    }

    @Test
    void withoutAWaitAFullBulkheadRejectsAtOnce() {
      Bulkhead b = bulkhead(1, 0, 5);
      fill(b, 1);

      assertThat(b.acquire(INTERACTIVE, 0)).isCompletedWithValue(false);
      assertThat(b.queueDepth()).isZero();
    }

    @Test
    void aWaiterGetsThePermitWhenOneIsReleased() {
      Bulkhead b = bulkhead(1, 0, 5);
      fill(b, 1);
      CompletableFuture<Boolean> f = b.acquire(INTERACTIVE, SECOND);
      assertThat(f).isNotDone();
      assertThat(b.queueDepth()).isEqualTo(1);

      b.release();

      assertThat(f).isCompletedWithValue(true);
      assertThat(b.activeCalls()).as("the permit went straight to the waiter").isEqualTo(1);
      assertThat(b.queueDepth()).isZero();
      assertThat(time.pendingTasks()).as("its timeout is cancelled").isZero();
    }

    @Test
    void aWaiterTimesOutWithFalseAfterItsWait() {
      Bulkhead b = bulkhead(1, 0, 5);
      fill(b, 1);
      CompletableFuture<Boolean> f = b.acquire(INTERACTIVE, SECOND);

      time.advance(SECOND - 1);
      assertThat(f).isNotDone();
      time.advance(1);

      assertThat(f).isCompletedWithValue(false);
      assertThat(b.queueDepth()).isZero();
      assertThat(b.activeCalls()).isEqualTo(1);
    }

    @Test
    void aTimedOutWaiterNeverHoldsAPermit() {
      Bulkhead b = bulkhead(1, 0, 5);
      fill(b, 1);
      CompletableFuture<Boolean> f = b.acquire(INTERACTIVE, SECOND);
      time.advance(SECOND);
      assertThat(f).isCompletedWithValue(false);

      b.release();

      assertThat(b.activeCalls()).isZero();
      assertThat(b.tryAcquire(INTERACTIVE)).isTrue();
    }

    @Test
    void aTimedOutWaiterIsSkippedAndTheNextOneServed() {
      Bulkhead b = bulkhead(1, 0, 5);
      fill(b, 1);
      CompletableFuture<Boolean> first = b.acquire(INTERACTIVE, SECOND);
      CompletableFuture<Boolean> second = b.acquire(INTERACTIVE, 5 * SECOND);
      time.advance(SECOND);

      b.release();

      assertThat(first).isCompletedWithValue(false);
      assertThat(second).isCompletedWithValue(true);
      assertThat(b.activeCalls()).isEqualTo(1);
      assertThat(b.queueDepth()).isZero();
    }

    @Test
    void theQueueBoundRejectsAtOnce() {
      Bulkhead b = bulkhead(1, 0, 2);
      fill(b, 1);
      CompletableFuture<Boolean> w1 = b.acquire(INTERACTIVE, SECOND);
      CompletableFuture<Boolean> w2 = b.acquire(BATCH, SECOND);

      CompletableFuture<Boolean> w3 = b.acquire(INTERACTIVE, SECOND);

      assertThat(w1).isNotDone();
      assertThat(w2).isNotDone();
      assertThat(w3).isCompletedWithValue(false);
      assertThat(b.queueDepth()).isEqualTo(2);
    }

    @Test
    void aTimedOutWaiterFreesItsPlaceInTheQueue() {
      Bulkhead b = bulkhead(1, 0, 1);
      fill(b, 1);
      b.acquire(INTERACTIVE, SECOND);
      time.advance(SECOND);

      CompletableFuture<Boolean> next = b.acquire(INTERACTIVE, SECOND);

      assertThat(next).isNotDone();
      b.release();
      assertThat(next).isCompletedWithValue(true);
    }

    @Test
    void waitersOfOneLaneAreServedInArrivalOrder() {
      Bulkhead b = bulkhead(1, 0, 5);
      fill(b, 1);
      CompletableFuture<Boolean> first = b.acquire(BATCH, SECOND);
      CompletableFuture<Boolean> second = b.acquire(BATCH, SECOND);

      b.release();
      assertThat(first).isCompletedWithValue(true);
      assertThat(second).isNotDone();

      b.release();
      assertThat(second).isCompletedWithValue(true);
    }
  }

  @Nested
  @DisplayName("priority lanes")
  class Lanes {

    @Test
    void interactiveWaitersAreServedBeforeBatchWaiters() {
      Bulkhead b = bulkhead(1, 0, 5);
      fill(b, 1);
      CompletableFuture<Boolean> batch = b.acquire(BATCH, 5 * SECOND);
      CompletableFuture<Boolean> interactive = b.acquire(INTERACTIVE, 5 * SECOND);

      b.release();

      assertThat(interactive).isCompletedWithValue(true);
      assertThat(batch).isNotDone();

      b.release();

      assertThat(batch).isCompletedWithValue(true);
    }

    @Test
    void aBatchWaiterWaitsUntilTheBatchShareHasRoom() {
      Bulkhead b = bulkhead(3, 1, 5);
      fill(b, 3);
      CompletableFuture<Boolean> batch = b.acquire(BATCH, 5 * SECOND);

      b.release(); // 2 active: the free permit is the interactive reserve
      assertThat(batch).isNotDone();
      assertThat(b.activeCalls()).isEqualTo(2);

      b.release(); // 1 active: room in the batch share
      assertThat(batch).isCompletedWithValue(true);
      assertThat(b.activeCalls()).isEqualTo(2);
    }

    @Test
    void aBatchWaiterDoesNotKeepTheReserveFromAnInteractiveCall() {
      Bulkhead b = bulkhead(3, 1, 5);
      fill(b, 3);
      CompletableFuture<Boolean> batch = b.acquire(BATCH, 5 * SECOND);
      b.release();

      assertThat(b.tryAcquire(INTERACTIVE)).isTrue();
      assertThat(batch).isNotDone();
    }

    @Test
    void aTimedOutInteractiveWaiterDoesNotBlockABatchWaiter() {
      Bulkhead b = bulkhead(1, 0, 5);
      fill(b, 1);
      CompletableFuture<Boolean> interactive = b.acquire(INTERACTIVE, SECOND);
      CompletableFuture<Boolean> batch = b.acquire(BATCH, 5 * SECOND);
      time.advance(SECOND);

      b.release();

      assertThat(interactive).isCompletedWithValue(false);
      assertThat(batch).isCompletedWithValue(true);
      assertThat(b.activeCalls()).isEqualTo(1);
    }

    @Test
    void everyWaiterEndsAndNoPermitLeaks() {
      Bulkhead b = bulkhead(2, 1, 10);
      fill(b, 2);
      CompletableFuture<?>[] waiters = new CompletableFuture<?>[6];
      for (int i = 0; i < waiters.length; i++) {
        waiters[i] = b.acquire(i % 2 == 0 ? BATCH : INTERACTIVE, (i + 1) * SECOND);
      }

      b.release();
      b.release();
      time.advance(10 * SECOND);

      int served = 0;
      for (CompletableFuture<?> w : waiters) {
        assertThat(w).isDone();
        served += Boolean.TRUE.equals(w.join()) ? 1 : 0;
      }
      assertThat(served).isEqualTo(2);
      assertThat(b.activeCalls()).isEqualTo(2);
      assertThat(b.queueDepth()).isZero();
      b.release();
      b.release();
      assertThat(b.activeCalls()).isZero();
    }
  }
}
