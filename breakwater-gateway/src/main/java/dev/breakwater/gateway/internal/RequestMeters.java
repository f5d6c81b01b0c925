package dev.breakwater.gateway.internal;

import dev.breakwater.control.Arm;
import dev.breakwater.micrometer.BreakwaterMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's per-request meters, by route and arm (resilient or pass-through), so that a rollout's A/B comparison
 * reads off Prometheus: {@code breakwater_gateway_requests_total{route, arm, status}} (status class {@code 2xx} ..
 * {@code 5xx}) and {@code breakwater_gateway_request_duration_seconds{route, arm}}. Every series is registered up
 * front, so recording is two array reads and no allocation.
 */
public final class RequestMeters {
  private static final String[] CLASSES = {"1xx", "2xx", "3xx", "4xx", "5xx"};

  private final Map<String, Counter[][]> counts = new HashMap<>();
  private final Map<String, Timer[]> durations = new HashMap<>();

  /** Registers the series of {@code routes} on the metrics' registry (existing series are shared, across reloads). */
  public RequestMeters(BreakwaterMetrics metrics, Collection<String> routes) {
    Duration[] boundaries = metrics.boundaries().toArray(Duration[]::new);
    for (String route : routes) {
      Counter[][] c = new Counter[Arm.values().length][CLASSES.length];
      Timer[] t = new Timer[Arm.values().length];
      for (Arm arm : Arm.values()) {
        for (int i = 0; i < CLASSES.length; i++) {
          c[arm.ordinal()][i] = Counter.builder("breakwater.gateway.requests")
              .description("Requests answered, by route, arm (resilient or pass_through) and status class")
              .tag("route", route).tag("arm", arm.tag()).tag("status", CLASSES[i])
              .register(metrics.registry());
        }
        t[arm.ordinal()] = Timer.builder("breakwater.gateway.request.duration")
            .description("Time from a request's arrival to its answer, by route and arm")
            .serviceLevelObjectives(boundaries).tag("route", route).tag("arm", arm.tag())
            .register(metrics.registry());
      }
      counts.put(route, c);
      durations.put(route, t);
    }
  }

  /** Counts one answered request of {@code route} on {@code arm} with HTTP {@code status}, and its duration. */
  public void record(String route, Arm arm, int status, long nanos) {
    Counter[][] c = counts.get(route);
    if (c == null) {
      return;
    }
    int cls = Math.min(Math.max(status / 100, 1), 5) - 1;
    c[arm.ordinal()][cls].increment();
    durations.get(route)[arm.ordinal()].record(Math.max(0, nanos), TimeUnit.NANOSECONDS);
  }
}
