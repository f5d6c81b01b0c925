package dev.breakwater.gateway;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import io.netty.util.ResourceLeakTracker;
import org.junit.jupiter.api.Test;

/**
 * The leak check really catches a leak (so that a silent check cannot pass for a clean one): a resource tracked by a
 * detector from the installed factory and dropped without {@code close()} fails the check.
 */
class LeakDetectionSelfTest {

  /** A stand-in for a buffer. */
  static final class Resource {}

  @Test
  void aTrackedResourceThatIsNeverClosedFailsTheCheck() throws Exception {
    LeakDetection check = new LeakDetection();
    check.beforeAll(null);
    ResourceLeakDetector<Resource> detector =
        ResourceLeakDetectorFactory.instance().newResourceLeakDetector(Resource.class);
    leak(detector);
    for (int i = 0; i < 20; i++) {
      System.gc();
      Thread.sleep(20);
      Resource r = new Resource();
      ResourceLeakTracker<Resource> t = detector.track(r); // polls the queue of collected resources
      t.close(r);
    }
    assertThatThrownBy(() -> check.afterAll(null)).isInstanceOf(AssertionError.class)
        .hasMessageContaining("leaked");
    check.beforeAll(null); // leave nothing behind for the next class
  }

  private static void leak(ResourceLeakDetector<Resource> detector) {
    detector.track(new Resource()); // tracked and dropped without close()
  }
}
