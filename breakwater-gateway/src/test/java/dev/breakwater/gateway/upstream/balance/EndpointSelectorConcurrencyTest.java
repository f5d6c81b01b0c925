package dev.breakwater.gateway.upstream.balance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.gateway.upstream.balance.EndpointEvent.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The selector shared by every event loop: picks and outcomes from many threads at once, while checks come in. */
class EndpointSelectorConcurrencyTest {
  private static final int THREADS = 8;
  private static final int CALLS = 5000;

  private static int run(int threads, Callable<Integer> each) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Integer>> all = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        all.add(pool.submit(each));
      }
      int sum = 0;
      for (Future<Integer> f : all) {
        sum += f.get();
      }
      return sum;
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void concurrentFailuresEjectAnEndpointOnceAndFailOverOnce() throws Exception {
    Selectors s = new Selectors(2, 2);
    run(THREADS, () -> {
      for (int k = 0; k < CALLS; k++) {
        int i = s.selector.pick(0);
        s.selector.record(i, i < 2 ? Outcome.FAILURE : Outcome.SUCCESS);
      }
      return 0;
    });
    assertThat(s.events).extracting(EndpointEvent::kind)
        .containsExactlyInAnyOrder(Kind.EJECTED, Kind.EJECTED, Kind.FAILOVER);
    assertThat(s.selector.status().activeGroup()).isEqualTo("g1");
  }

  @Test
  void theFailbackShareStaysExactUnderConcurrentCallsAndChecks() throws Exception {
    Selectors s = Selectors.failingBackAtTheSecondStep();
    assertThat(s.selector.status().failbackPercent()).isEqualTo(25);
    int toPrimary = run(THREADS + 1, new Callable<>() {
      private final java.util.concurrent.atomic.AtomicBoolean checker = new java.util.concurrent.atomic.AtomicBoolean();

      @Override
      public Integer call() {
        if (checker.compareAndSet(false, true)) {
          for (int k = 0; k < CALLS; k++) {
            s.selector.checked(k % 2, true); // checks that pass keep everything as it is
            s.selector.status();
          }
          return 0;
        }
        int n = 0;
        for (int k = 0; k < CALLS; k++) {
          int i = s.selector.pick(0);
          s.selector.record(i, Outcome.SUCCESS);
          n += i == 0 ? 1 : 0;
        }
        return n;
      }
    });
    assertThat(toPrimary).isEqualTo(THREADS * CALLS / 4);
  }
}
