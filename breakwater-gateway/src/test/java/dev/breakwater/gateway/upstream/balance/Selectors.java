package dev.breakwater.gateway.upstream.balance;

import dev.breakwater.gateway.config.EndpointGroupConfig;
import dev.breakwater.gateway.config.FailbackConfig;
import dev.breakwater.gateway.config.HealthCheckConfig;
import dev.breakwater.gateway.config.OutlierDetectionConfig;
import dev.breakwater.gateway.config.ShardingConfig;
import dev.breakwater.gateway.config.UpstreamConfig;
import dev.breakwater.time.VirtualTimeSource;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A selector on virtual time with the events it reported, for the selector's tests. */
final class Selectors {
  static final HealthCheckConfig CHECKS = new HealthCheckConfig("/health", Duration.ofSeconds(1),
      Duration.ofMillis(500), 2, 3);
  static final OutlierDetectionConfig OUTLIERS = new OutlierDetectionConfig(true, 3, Duration.ofSeconds(10),
      Duration.ofSeconds(60));
  static final FailbackConfig FAILBACK = new FailbackConfig(10, List.of(5, 25, 50, 100), Duration.ofSeconds(30), 5);

  final VirtualTimeSource time = new VirtualTimeSource();
  final List<EndpointEvent> events = new CopyOnWriteArrayList<>();
  final EndpointSelector selector;

  /** {@code sizes[g]} endpoints in group g (named g0, g1, …), with the given checks (or null) and failback. */
  Selectors(HealthCheckConfig checks, FailbackConfig failback, int... sizes) {
    this(checks, failback, null, sizes);
  }

  /** As above, the groups being shards when {@code sharding} is not null. */
  Selectors(HealthCheckConfig checks, FailbackConfig failback, ShardingConfig sharding, int... sizes) {
    List<EndpointGroupConfig> groups = new ArrayList<>();
    int port = 9000;
    for (int g = 0; g < sizes.length; g++) {
      List<URI> urls = new ArrayList<>();
      for (int k = 0; k < sizes[g]; k++) {
        urls.add(URI.create("http://10.0." + g + "." + k + ":" + port++));
      }
      groups.add(new EndpointGroupConfig("g" + g, urls));
    }
    UpstreamConfig u = new UpstreamConfig("graph", groups, null, null, null, false, true, 8,
        UpstreamConfig.Protocol.HTTP1, null, Duration.ofSeconds(2), Duration.ofSeconds(60), checks, OUTLIERS,
        failback, sharding);
    selector = new EndpointSelector(u, time, events::add);
  }

  Selectors(int... sizes) {
    this(CHECKS, FAILBACK, sizes);
  }

  /**
   * A primary and a secondary of one endpoint each, the primary failed over and recovered, its failback past the 5 %
   * step (which saw only successes) and now at 25 %.
   */
  static Selectors failingBackAtTheSecondStep() {
    Selectors s = new Selectors(1, 1);
    s.check(0, false, 3);
    s.check(0, true, 10);
    s.callsTo("g0", 100, Outcome.SUCCESS);
    s.advance(Duration.ofSeconds(30));
    return s;
  }

  /** The group of endpoint {@code i}. */
  String group(int i) {
    return selector.status().endpoints().get(i).group();
  }

  void fail(int endpoint, int times) {
    for (int k = 0; k < times; k++) {
      selector.record(endpoint, Outcome.FAILURE);
    }
  }

  void check(int endpoint, boolean passed, int times) {
    for (int k = 0; k < times; k++) {
      selector.checked(endpoint, passed);
    }
  }

  void advance(Duration d) {
    time.advance(d);
    selector.tick();
  }

  /** How many of {@code calls} picks went to group {@code group}, each call answered with {@code outcome}. */
  int callsTo(String group, int calls, Outcome outcome) {
    int n = 0;
    for (int k = 0; k < calls; k++) {
      int i = selector.pick(0);
      selector.record(i, group(i).equals(group) ? outcome : Outcome.SUCCESS);
      n += group(i).equals(group) ? 1 : 0;
    }
    return n;
  }

  /** The kinds and percents of the failback events so far, such as {@code FAILBACK_STEP 5}. */
  List<String> failbackSteps() {
    return events.stream().filter(e -> e.kind().name().startsWith("FAILBACK"))
        .map(e -> e.kind() + " " + e.percent()).toList();
  }
}
