package dev.breakwater.bulkhead;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.Lane;
import dev.breakwater.time.VirtualTimeSource;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A bulkhead large enough to be striped still hands out exactly its limit, to any one thread. */
class StripedBulkheadTest {

  @Test
  void oneThreadCanTakeEveryPermitOfEveryStripeAndNoMore() {
    Bulkhead b = new Bulkhead("big", BulkheadConfig.of(64), new VirtualTimeSource());
    for (int i = 0; i < 64; i++) {
      assertThat(b.tryAcquire(Lane.INTERACTIVE)).as("permit %d", i).isTrue();
    }
    assertThat(b.tryAcquire(Lane.INTERACTIVE)).isFalse();
    assertThat(b.activeCalls()).isEqualTo(64);
    for (int i = 0; i < 64; i++) {
      b.release();
    }
    assertThat(b.activeCalls()).isZero();
  }

  @Test
  void batchStopsAtItsShareAcrossStripesAndInteractiveTakesTheReserve() {
    Bulkhead b = new Bulkhead("big", new BulkheadConfig(true, 64, 16, Duration.ZERO, 0), new VirtualTimeSource());
    int batch = 0;
    while (b.tryAcquire(Lane.BATCH)) {
      batch++;
    }
    assertThat(batch).isEqualTo(48);
    int interactive = 0;
    while (b.tryAcquire(Lane.INTERACTIVE)) {
      interactive++;
    }
    assertThat(interactive).isEqualTo(16);
  }

  @Test
  void aPermitReturnedFromAnotherThreadKeepsTheTotalExact() throws Exception {
    Bulkhead b = new Bulkhead("big", BulkheadConfig.of(64), new VirtualTimeSource());
    for (int i = 0; i < 64; i++) {
      b.tryAcquire(Lane.INTERACTIVE);
    }
    Thread other = new Thread(() -> {
      for (int i = 0; i < 10; i++) {
        b.release();
      }
    });
    other.start();
    other.join();
    assertThat(b.activeCalls()).isEqualTo(54);
    int again = 0;
    while (b.tryAcquire(Lane.INTERACTIVE)) {
      again++;
    }
    assertThat(again).isEqualTo(10);
  }
}
