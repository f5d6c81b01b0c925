package dev.breakwater.gateway.upstream;

import dev.breakwater.gateway.config.UpstreamConfig;
import dev.breakwater.gateway.upstream.balance.EndpointEvent;
import dev.breakwater.gateway.upstream.balance.EndpointSelector;
import dev.breakwater.gateway.upstream.balance.SelectorStatus;
import dev.breakwater.time.TimeSource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's endpoint state, one selector and health checker per upstream, outliving reloads: a reload that
 * leaves an upstream's endpoints, checks, outlier detection and failback as they were keeps what was learnt about
 * them. Each step is a log line, an increment of {@code breakwater_upstream_endpoint_events_total{upstream,event}},
 * and shows in the gauges {@code breakwater_upstream_endpoint_available}, {@code breakwater_upstream_group_in_use}
 * and {@code breakwater_upstream_failback_percent}.
 */
public final class EndpointMonitors implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EndpointMonitors.class);

  private final Vertx vertx;
  private final MeterRegistry registry;
  private final TimeSource time;
  private final Map<String, Monitor> monitors = new LinkedHashMap<>();

  private record Monitor(UpstreamConfig config, EndpointSelector selector, HealthChecker checker, List<Meter> gauges) {}

  /** Monitors on {@code vertx}'s timers, publishing in {@code registry}. */
  public EndpointMonitors(Vertx vertx, MeterRegistry registry) {
    this.vertx = vertx;
    this.registry = registry;
    this.time = TimeSource.system();
  }

  /**
   * The selectors for {@code upstreams} (by name): an upstream whose endpoint settings did not change keeps its
   * selector; the others get fresh ones, and monitors of upstreams no longer configured stop.
   */
  public synchronized Map<String, EndpointSelector> configure(Collection<UpstreamConfig> upstreams) {
    Map<String, Monitor> next = new LinkedHashMap<>();
    for (UpstreamConfig u : upstreams) {
      Monitor m = monitors.remove(u.name());
      if (m == null || !m.config().sameEndpoints(u)) {
        if (m != null) {
          stop(m);
        }
        m = start(u);
      }
      next.put(u.name(), m);
    }
    monitors.values().forEach(this::stop);
    monitors.clear();
    monitors.putAll(next);
    Map<String, EndpointSelector> out = new HashMap<>();
    next.forEach((name, m) -> out.put(name, m.selector()));
    return out;
  }

  private Monitor start(UpstreamConfig u) {
    EndpointSelector selector = new EndpointSelector(u, time, this::publish);
    List<Meter> gauges = new ArrayList<>();
    String name = u.name();
    for (int i = 0; i < selector.size(); i++) {
      String url = selector.uri(i).toString();
      gauges.add(Gauge.builder("breakwater.upstream.endpoint.available", selector, s -> endpoint(s, url))
          .description("1 while the endpoint takes calls (healthy and not ejected), else 0")
          .tags("upstream", name, "endpoint", url).register(registry));
    }
    for (var g : u.groups()) {
      gauges.add(Gauge.builder("breakwater.upstream.group.in.use", selector,
              s -> g.name().equals(s.status().activeGroup()) ? 1 : 0)
          .description("1 for the endpoint group the upstream's calls go to, else 0")
          .tags("upstream", name, "group", g.name()).register(registry));
    }
    gauges.add(Gauge.builder("breakwater.upstream.failback.percent", selector, s -> s.status().failbackPercent())
        .description("The share of calls a recovering higher-priority group takes (0 when no failback runs)")
        .tags("upstream", name).register(registry));
    return new Monitor(u, selector, new HealthChecker(vertx, u, selector), gauges);
  }

  private static double endpoint(EndpointSelector s, String url) {
    for (SelectorStatus.Endpoint e : s.status().endpoints()) {
      if (e.url().equals(url)) {
        return e.available() ? 1 : 0;
      }
    }
    return 0;
  }

  private void stop(Monitor m) {
    m.checker().close();
    m.gauges().forEach(registry::remove);
  }

  private void publish(EndpointEvent e) {
    if (e.kind() == EndpointEvent.Kind.EJECTED || e.kind() == EndpointEvent.Kind.UNHEALTHY
        || e.kind() == EndpointEvent.Kind.FAILOVER || e.kind() == EndpointEvent.Kind.FAILBACK_ROLLED_BACK) {
      LOG.warn(e.describe());
    } else {
      LOG.info(e.describe());
    }
    Counter.builder("breakwater.upstream.endpoint.events")
        .description("Steps in upstreams' endpoint state: ejections, restorations, checks' verdicts, failover and"
            + " failback steps")
        .tags("upstream", e.upstream(), "event", e.kind().name().toLowerCase(java.util.Locale.ROOT))
        .register(registry).increment();
  }

  /** Every upstream's endpoint state, by name in config order. */
  public synchronized Map<String, SelectorStatus> status() {
    Map<String, SelectorStatus> out = new LinkedHashMap<>();
    monitors.forEach((name, m) -> out.put(name, m.selector().status()));
    return out;
  }

  /** Stops every checker and drops the gauges. */
  @Override
  public synchronized void close() {
    monitors.values().forEach(this::stop);
    monitors.clear();
  }
}
