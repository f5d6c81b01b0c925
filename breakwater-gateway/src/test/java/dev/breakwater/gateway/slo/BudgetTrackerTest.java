package dev.breakwater.gateway.slo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.breakwater.ErrorCode;
import dev.breakwater.Pipeline;
import dev.breakwater.gateway.config.ConfigLoader;
import dev.breakwater.gateway.config.GatewayConfig;
import dev.breakwater.time.VirtualTimeSource;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Run-time error budgets on virtual time: burn rates per window, buckets expiring, what counts. */
class BudgetTrackerTest {
  private static final long MS = 1_000_000;

  private final VirtualTimeSource time = new VirtualTimeSource(1_800_000_000_000L);
  private final BudgetTracker tracker = new BudgetTracker(time);
  private final Pipeline<?> reads = pipeline("list-messages");

  BudgetTrackerTest() {
    tracker.configure(config("99.9", "1.5s"));
  }

  static GatewayConfig config(String availability, String threshold) {
    return ConfigLoader.withEnvironment(Map.<String, String>of()::get).read("""
        admin:
          token: 0123456789abcdef
        upstreams:
          graph:
            endpoints: [http://127.0.0.1:9000]
        routes:
          - name: list-messages
            path: /v1.0/me/messages
            upstream: graph
          - name: other
            path: /v1.0/me/other
            upstream: graph
        slos:
          mail-reads:
            routes: [list-messages]
            availability: %s
            latency: { threshold: %s, percent: 95 }
        """.formatted(availability, threshold), "gateway.yaml");
  }

  @SuppressWarnings("unchecked")
  static Pipeline<Object> pipeline(String name) {
    return (Pipeline<Object>) Proxy.newProxyInstance(Pipeline.class.getClassLoader(), new Class<?>[] {Pipeline.class},
        (p, m, a) -> m.getName().equals("name") ? name : null);
  }

  /** Each minute: {@code calls} calls of which {@code bad} failed upstream; the clock then moves a minute on. */
  private void minutes(int count, int calls, int bad) {
    for (int m = 0; m < count; m++) {
      for (int i = 0; i < calls; i++) {
        tracker.onCallCompleted(reads, null, i < bad ? ErrorCode.UPSTREAM_ERROR : null, null, 10 * MS);
      }
      time.advance(Duration.ofMinutes(1));
    }
  }

  private double burn(String window) {
    return tracker.burnRate("mail-reads", "availability", window);
  }

  @Test
  void steadyErrorsAtExactlyTheBudgetBurnAtOneOverEveryWindow() {
    minutes(3 * 24 * 60, 1000, 1);

    for (String w : BudgetTracker.WINDOWS) {
      assertThat(burn(w)).as(w).isCloseTo(1.0, within(1e-9));
    }
    assertThat(tracker.budgetRemaining("mail-reads", "availability")).isCloseTo(0.0, within(1e-9));
  }

  @Test
  void aBurstBurnsFasterOverFiveMinutesThanOverAnHour() {
    minutes(6 * 60, 1000, 0);
    minutes(4, 1000, 100);
    // The fifth burst minute is the current one: the 5-minute window holds exactly the burst.
    for (int i = 0; i < 1000; i++) {
      tracker.onCallCompleted(reads, null, i < 100 ? ErrorCode.TIMEOUT : null, null, 10 * MS);
    }

    assertThat(burn("5m")).isCloseTo(100.0, within(1e-9));
    assertThat(burn("1h")).isCloseTo(100.0 * 5 / 60, within(1e-9));
    assertThat(burn("6h")).isCloseTo(100.0 * 5 / 360, within(1e-9));
  }

  @Test
  void bucketsOlderThanAWindowNoLongerCountInIt() {
    minutes(5, 1000, 100);
    minutes(10, 1000, 0);

    assertThat(burn("5m")).isZero();
    assertThat(burn("1h")).isCloseTo(100.0 / 3, within(1e-9));

    time.advance(Duration.ofDays(3));
    assertThat(burn("3d")).isZero();
    assertThat(tracker.budgetRemaining("mail-reads", "availability")).isLessThan(0); // 30 days still remember it
  }

  @Test
  void aSlotReusedAfterTheRingWrapsStartsFromZero() {
    minutes(1, 1000, 1000);
    time.advance(Duration.ofDays(3).minusMinutes(1)); // the same slot of the 3-day ring, a new bucket
    tracker.onCallCompleted(reads, null, null, null, 10 * MS);

    assertThat(tracker.status().get(0).slis().get(0).windows().get("5m").errorRatio()).isZero();
  }

  @Test
  void refusalsTheCallerCausedAreLeftOutOfTheRatio() {
    tracker.onCallCompleted(reads, null, null, null, 10 * MS);
    tracker.onCallCompleted(reads, null, ErrorCode.RATE_LIMITED, null, 10 * MS);
    tracker.onCallCompleted(reads, null, ErrorCode.INVALID_REQUEST, null, 10 * MS);
    tracker.onCallCompleted(reads, null, ErrorCode.CIRCUIT_OPEN, null, 10 * MS);

    assertThat(tracker.status().get(0).slis().get(0).windows().get("5m").errorRatio()).isEqualTo(0.5);
  }

  @Test
  void callsSlowerThanTheThresholdSpendTheLatencyBudgetFailedOrNot() {
    tracker.onCallCompleted(reads, null, null, null, 1500 * MS);
    tracker.onCallCompleted(reads, null, null, null, 1501 * MS);
    tracker.onCallCompleted(reads, null, ErrorCode.TIMEOUT, null, 5000 * MS);
    tracker.onCallCompleted(reads, null, ErrorCode.UPSTREAM_ERROR, null, 10 * MS);

    assertThat(tracker.burnRate("mail-reads", "latency", "5m")).isCloseTo(0.5 / 0.05, within(1e-9));
  }

  @Test
  void routesOutsideEveryObjectiveAreNotCounted() {
    tracker.onCallCompleted(pipeline("other"), null, ErrorCode.UPSTREAM_ERROR, null, 10 * MS);

    assertThat(burn("5m")).isZero();
  }

  @Test
  void aReloadKeepsTheCountsOfAnUnchangedObjectiveAndRestartsAChangedOne() {
    minutes(1, 1000, 10);
    tracker.configure(config("99.9", "2s"));

    assertThat(burn("5m")).isCloseTo(10.0, within(1e-9));
    assertThat(tracker.burnRate("mail-reads", "latency", "5m")).isZero();
    assertThat(tracker.burnRate("mail-reads", "nothing", "5m")).isNaN();
  }
}
