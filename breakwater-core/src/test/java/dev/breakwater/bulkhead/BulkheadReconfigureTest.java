package dev.breakwater.bulkhead;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.Lane;
import dev.breakwater.time.VirtualTimeSource;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** A bulkhead resized in place keeps the permits of calls in flight, and never admits past its new limit. */
class BulkheadReconfigureTest {
  private final VirtualTimeSource time = new VirtualTimeSource();

  private static int fill(Bulkhead b) {
    int n = 0;
    while (b.tryAcquire(Lane.INTERACTIVE)) {
      n++;
    }
    return n;
  }

  @Test
  void aGrownLimitAdmitsOnlyTheDifferenceWhileCallsAreInFlight() {
    Bulkhead b = new Bulkhead("mail", BulkheadConfig.of(2), time);
    assertThat(fill(b)).isEqualTo(2);

    b.reconfigure(BulkheadConfig.of(3));

    assertThat(fill(b)).isEqualTo(1);
    assertThat(b.activeCalls()).isEqualTo(3);
  }

  @Test
  void aShrunkLimitAdmitsNobodyUntilEnoughCallsInFlightHaveFinished() {
    Bulkhead b = new Bulkhead("mail", BulkheadConfig.of(3), time);
    fill(b);

    b.reconfigure(BulkheadConfig.of(1));
    assertThat(b.tryAcquire(Lane.INTERACTIVE)).isFalse();
    b.release();
    b.release();
    assertThat(b.tryAcquire(Lane.INTERACTIVE)).as("one call in flight is the new limit").isFalse();
    b.release();
    assertThat(fill(b)).isEqualTo(1);
  }

  @Test
  void afterAShrinkAStripeWithRoomDoesNotLetTheTotalPassTheLimit() {
    // 32 permits over several stripes (on a machine with 2+ cores); one thread fills them all, shrinks to 8 (2 per
    // stripe), then releases 24: its releases empty whole stripes first, leaving the 8 still held in the last one.
    // That stripe is over its share while the others have room: only the total may decide.
    Bulkhead b = new Bulkhead("mail", BulkheadConfig.of(32), time);
    assertThat(fill(b)).isEqualTo(32);
    b.reconfigure(BulkheadConfig.of(8));
    for (int i = 0; i < 24; i++) {
      b.release();
    }
    assertThat(b.activeCalls()).isEqualTo(8);

    assertThat(b.tryAcquire(Lane.INTERACTIVE)).isFalse();
    b.release();
    assertThat(fill(b)).isEqualTo(1);
    assertThat(b.activeCalls()).isEqualTo(8);
  }

  @Test
  void waitersAreServedWhenTheLimitGrows() {
    Bulkhead b = new Bulkhead("mail", BulkheadConfig.of(1).withWait(Duration.ofSeconds(5), 10), time);
    fill(b);
    CompletableFuture<Boolean> waiting = b.acquire(Lane.INTERACTIVE, Duration.ofSeconds(5).toNanos());
    assertThat(waiting).isNotDone();

    b.reconfigure(BulkheadConfig.of(2).withWait(Duration.ofSeconds(5), 10));

    assertThat(waiting).isCompletedWithValue(true);
  }
}
