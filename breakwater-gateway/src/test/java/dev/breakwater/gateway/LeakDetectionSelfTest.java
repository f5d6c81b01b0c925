package dev.breakwater.gateway;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;

/** The leak check really catches a leaked buffer (so that a silent check cannot pass for a clean one). */
class LeakDetectionSelfTest {

  @Test
  void aBufferThatIsNeverReleasedFailsTheCheck() throws Exception {
    LeakDetection check = new LeakDetection();
    check.beforeAll(null);
    leak();
    assertThatThrownBy(() -> check.afterAll(null)).isInstanceOf(AssertionError.class)
        .hasMessageContaining("leaked");
    check.beforeAll(null); // leave nothing behind for the next class
  }

  private static void leak() {
    PooledByteBufAllocator.DEFAULT.buffer(64).writeInt(42); // dropped without release()
  }
}
