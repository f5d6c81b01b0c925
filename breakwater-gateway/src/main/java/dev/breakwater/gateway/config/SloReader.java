package dev.breakwater.gateway.config;

import dev.breakwater.gateway.config.SloConfig.LatencyObjective;
import dev.breakwater.gateway.config.YamlReader.Mapping;
import dev.breakwater.gateway.config.YamlReader.Named;
import dev.breakwater.gateway.config.YamlReader.Value;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Reads the {@code slos} section: named objectives over groups of routes, each problem at its line. */
final class SloReader {
  /** A name of this file's choosing (an SLO's, a fault drill's). */
  static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
  /** The longest window: the rules' 3-day alert windows and Prometheus retention make longer ones impractical. */
  static final Duration MAX_WINDOW = Duration.ofDays(90);
  static final String WINDOW_EXPECTED = "whole days from 1d to 90d, or whole hours such as 12h";
  static final String PERCENT_EXPECTED = "a percentage above 0 and below 100, such as 99.9";
  static final String THRESHOLD_EXPECTED = "a positive whole number of milliseconds, such as 1.5s or 250ms";

  private final YamlReader r;

  SloReader(YamlReader r) {
    this.r = r;
  }

  /** The objectives by name (empty when the section is absent), or null after a problem. */
  Map<String, SloConfig> slos(Mapping root, List<RouteConfig> routes) {
    Value v = root.value("slos");
    if (v == null || v.isNull()) {
      return Map.of();
    }
    List<Named> entries = v.named("a mapping of SLO names to objectives");
    if (entries == null) {
      return null;
    }
    // Without readable routes there is nothing to check the names against (reported there).
    Set<String> routeNames = null;
    if (routes != null) {
      routeNames = new LinkedHashSet<>();
      for (RouteConfig route : routes) {
        routeNames.add(route.name());
      }
    }
    Map<String, SloConfig> out = new LinkedHashMap<>();
    boolean ok = true;
    for (Named e : entries) {
      if (!NAME.matcher(e.name()).matches()) {
        r.problem(e.keyLine(), e.value().path, YamlReader.quote(e.name())
            + " (expected: a name of letters, digits, '.', '_' and '-')");
        ok = false;
        continue;
      }
      Mapping m = e.value().mapping(Shape.SLO);
      SloConfig slo = m == null ? null : slo(e.name(), m, routeNames);
      if (slo == null) {
        ok = false;
      } else {
        out.put(e.name(), slo);
      }
    }
    return ok ? out : null;
  }

  private SloConfig slo(String name, Mapping m, Set<String> routeNames) {
    List<String> routes = routes(m, routeNames);
    Duration window = window(m);
    Double availability = null;
    if (m.has("availability")) {
      availability = percent(m.value("availability"));
      if (availability == null) {
        m.fail();
      }
    }
    LatencyObjective latency = null;
    if (m.has("latency")) {
      Mapping l = m.mapping("latency");
      latency = l == null ? null : latency(l);
      if (latency == null) {
        m.fail();
      }
    }
    if (!m.has("availability") && !m.has("latency")) {
      m.missing("availability", "availability (a percentage such as 99.9), latency ({ threshold: 1.5s, percent: 95"
          + " }) or both");
    }
    return m.failed() ? null : new SloConfig(name, routes, window, availability, latency);
  }

  private List<String> routes(Mapping m, Set<String> routeNames) {
    Value v = m.value("routes");
    if (v == null || v.isNull()) {
      m.missing("routes", "a list of route names, such as [list-messages, get-message]");
      return List.of();
    }
    List<Value> items = v.items("a list of route names, such as [list-messages, get-message]");
    if (items == null) {
      m.fail();
      return List.of();
    }
    if (items.isEmpty()) {
      v.problem("at least one route name");
      m.fail();
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (Value item : items) {
      String route = item.string();
      if (route == null) {
        m.fail();
      } else if (routeNames != null && !routeNames.contains(route)) {
        item.problem("the name of a route: " + YamlReader.oneOf(route, routeNames));
        m.fail();
      } else if (out.contains(route)) {
        item.problem("each route once");
        m.fail();
      } else {
        out.add(route);
      }
    }
    return out;
  }

  private Duration window(Mapping m) {
    Duration d = m.duration("window", SloConfig.DEFAULT_WINDOW);
    if (m.has("window") && d != null && !expressible(d)) {
      m.value("window").problem(WINDOW_EXPECTED);
      m.fail();
    }
    return d;
  }

  /** Whether the rules can name the window as a Prometheus range: whole hours, at most 90 days. */
  static boolean expressible(Duration d) {
    return !d.isNegative() && !d.isZero() && d.compareTo(MAX_WINDOW) <= 0
        && d.equals(Duration.ofHours(d.toHours()));
  }

  private LatencyObjective latency(Mapping l) {
    Duration threshold = null;
    Value tv = l.value("threshold");
    if (tv == null || tv.isNull()) {
      l.missing("threshold", THRESHOLD_EXPECTED);
    } else {
      threshold = tv.duration();
      if (threshold != null && (threshold.isNegative() || threshold.isZero()
          || !threshold.equals(Duration.ofMillis(threshold.toMillis())))) {
        tv.problem(THRESHOLD_EXPECTED);
        threshold = null;
      }
      if (threshold == null) {
        l.fail();
      }
    }
    Double percent = null;
    Value pv = l.value("percent");
    if (pv == null || pv.isNull()) {
      l.missing("percent", PERCENT_EXPECTED + " (the share of calls within the threshold)");
    } else {
      percent = percent(pv);
      if (percent == null) {
        l.fail();
      }
    }
    return l.failed() ? null : new LatencyObjective(threshold, percent);
  }

  private static Double percent(Value v) {
    Double p = v.number();
    if (p == null) {
      return null;
    }
    if (!SloConfig.validPercent(p)) {
      v.problem(PERCENT_EXPECTED);
      return null;
    }
    return p;
  }
}
