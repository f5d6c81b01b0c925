package dev.breakwater.gateway.config;

import dev.breakwater.Degradation;
import dev.breakwater.control.ControlKind;
import dev.breakwater.control.Setting;
import dev.breakwater.control.Target;
import dev.breakwater.gateway.config.HealthConfig.Rule;
import dev.breakwater.gateway.config.HealthConfig.Signal;
import dev.breakwater.gateway.config.YamlReader.Mapping;
import dev.breakwater.gateway.config.YamlReader.Value;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads the optional {@code health} section: rules mapping signals to degradation levels, each problem at its line
 * and naming the field: an unknown upstream, route, SLO or level, thresholds out of range or the wrong way round.
 */
final class HealthRulesReader {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
  static final Duration DEFAULT_WINDOW = Duration.ofMinutes(1);
  static final Duration DEFAULT_DWELL = Duration.ofSeconds(30);
  static final int DEFAULT_MIN_CALLS = 10;
  private static final String URL_EXPECTED = "an http or https URL such as http://127.0.0.1:9000/hooks/breakwater";

  private HealthRulesReader() {}

  /** The health rules ({@link HealthConfig#NONE} when the section is absent), or null after a problem (reported). */
  static HealthConfig health(Mapping root, Map<String, UpstreamConfig> upstreams, List<RouteConfig> routes,
      Map<String, SloConfig> slos) {
    if (!root.has("health")) {
      return HealthConfig.NONE;
    }
    Mapping m = root.mapping("health");
    if (m == null) {
      return null;
    }
    Duration every = m.duration("evaluateEvery", HealthConfig.NONE.evaluateEvery());
    if (!m.failed() && (every.isZero() || every.isNegative())) {
      m.problem("evaluateEvery", "a positive duration such as 1s");
    }
    URI webhook = m.has("webhook") ? m.httpUrl("webhook", URL_EXPECTED) : null;
    List<Rule> rules = new ArrayList<>();
    if (m.has("rules")) {
      List<Value> items = m.value("rules").items("a list of rules, each with name, signal and level");
      if (items == null) {
        m.fail();
      } else {
        Set<String> names = new HashSet<>();
        for (Value item : items) {
          Mapping r = item.mapping(Shape.HEALTH_RULE);
          Rule rule = r == null ? null : rule(r, names, upstreams, routes, slos);
          if (rule == null) {
            m.fail();
          } else {
            rules.add(rule);
          }
        }
      }
    }
    Set<String> routeNames = new HashSet<>();
    if (routes != null) {
      routes.forEach(x -> routeNames.add(x.name()));
    }
    Set<String> emergencyRoutes = new HashSet<>();
    Set<String> emergencyTenants = new HashSet<>();
    if (m.has("emergency")) {
      Mapping e = m.mapping("emergency");
      if (e == null) {
        m.fail();
      } else {
        names(e, "routes", routes == null ? null : routeNames, emergencyRoutes);
        names(e, "tenants", null, emergencyTenants);
        if (e.failed()) {
          m.fail();
        }
      }
    }
    return m.failed() ? null : new HealthConfig(rules, webhook, every, emergencyRoutes, emergencyTenants);
  }

  /** A list of names under {@code key}; with {@code known}, each must be one of them. */
  private static void names(Mapping m, String key, Set<String> known, Set<String> out) {
    if (!m.has(key)) {
      return;
    }
    List<Value> items = m.value(key).items("a list of " + key);
    if (items == null) {
      m.fail();
      return;
    }
    for (Value v : items) {
      String s = v.string();
      if (s == null) {
        m.fail();
      } else if (known != null && !known.contains(s)) {
        v.problem("one of " + known.stream().sorted().toList());
        m.fail();
      } else {
        out.add(s);
      }
    }
  }

  private static Rule rule(Mapping r, Set<String> names, Map<String, UpstreamConfig> upstreams,
      List<RouteConfig> routes, Map<String, SloConfig> slos) {
    String name = r.requiredString("name", "the rule's name, such as graph-down");
    if (name != null && !NAME.matcher(name).matches()) {
      r.problem("name", "a name of letters, digits, '.', '_' and '-'");
    } else if (name != null && !names.add(name)) {
      r.problem("name", "a name no other rule has");
    }
    Map<String, Signal> signals = new LinkedHashMap<>();
    Arrays.stream(Signal.values()).forEach(s -> signals.put(s.yamlName(), s));
    Signal signal = null;
    if (!r.has("signal")) {
      r.missing("signal", "one of " + signals.keySet());
    } else {
      signal = r.choice("signal", signals, null);
    }
    String upstream = null;
    boolean upstreamSignal = signal == Signal.BREAKER_OPEN || signal == Signal.ERROR_RATE
        || signal == Signal.SLOW_CALLS || signal == Signal.ENDPOINTS_DOWN;
    if (upstreamSignal) {
      upstream = r.requiredString("upstream", "the upstream the " + signal.yamlName() + " signal watches");
      if (upstream != null && upstreams != null && !upstreams.containsKey(upstream)) {
        r.problem("upstream", "one of " + upstreams.keySet());
      }
    } else if (r.has("upstream")) {
      r.problem("upstream", "no upstream: the " + (signal == null ? "" : signal.yamlName() + " ") + "signal has none");
    }
    String slo = null;
    String sli = null;
    Duration window = DEFAULT_WINDOW;
    if (signal == Signal.BURN_RATE) {
      slo = r.requiredString("slo", "the SLO whose burn rate the rule watches");
      if (slo != null && slos != null && !slos.containsKey(slo)) {
        r.problem("slo", slos.isEmpty() ? "an SLO name; none are defined under slos" : "one of " + slos.keySet());
      }
      sli = r.choice("sli", Map.of("availability", "availability", "latency", "latency"), "availability");
      String w = r.string("window", "5m");
      if (w != null && !dev.breakwater.gateway.slo.BudgetTracker.WINDOWS.contains(w)) {
        r.problem("window", "one of " + dev.breakwater.gateway.slo.BudgetTracker.WINDOWS);
      }
      window = dev.breakwater.config.Durations.parse(w == null ? "5m" : w);
    } else if (signal == Signal.ERROR_RATE || signal == Signal.SLOW_CALLS) {
      window = r.duration("window", DEFAULT_WINDOW);
      if (!r.failed() && (window.isZero() || window.isNegative() || window.compareTo(Duration.ofHours(1)) > 0)) {
        r.problem("window", "a positive duration of at most 1h, such as 1m");
      }
    }
    Duration slowerThan = null;
    if (signal == Signal.SLOW_CALLS) {
      slowerThan = r.has("slowerThan") ? r.duration("slowerThan", null) : null;
      if (slowerThan == null) {
        r.missing("slowerThan", "how long a slow call takes, such as 2s");
      }
    }
    double enter = Double.NaN;
    double exit = Double.NaN;
    if (signal != null && signal.measured()) {
      boolean percent = signal != Signal.BURN_RATE;
      String expected = percent ? "a percentage above 0 and at most 100, such as 50"
          : "a burn rate above 0, such as 10";
      if (!r.has("enter")) {
        r.missing("enter", expected);
      } else {
        enter = r.number("enter", Double.NaN);
        if (!r.failed() && !(enter > 0 && (!percent || enter <= 100))) {
          r.problem("enter", expected);
        }
      }
      exit = r.number("exit", enter);
      if (!r.failed() && !(exit >= 0 && exit <= enter)) {
        r.problem("exit", "a value from 0 to enter (" + enter + "): the rule exits once the signal is at or below it");
      }
    } else {
      for (String key : List.of("enter", "exit")) {
        if (r.has(key)) {
          r.problem(key, "nothing: the " + (signal == null ? "" : signal.yamlName() + " ") + "signal is on or off");
        }
      }
    }
    int minCalls = r.integer("minCalls", DEFAULT_MIN_CALLS, 1, 1_000_000);
    Degradation level = level(r);
    Target target = target(r, upstream, upstreams, routes);
    Duration dwell = r.duration("minDwell", DEFAULT_DWELL);
    if (!r.failed() && dwell.isNegative()) {
      r.problem("minDwell", "a duration >= 0, such as 30s");
    }
    return r.failed() || name == null || signal == null ? null : new Rule(name, signal, upstream, slo, sli, window,
        slowerThan, enter, exit, minCalls, level, target, dwell);
  }

  private static Degradation level(Mapping r) {
    String text = r.requiredString("level", ControlKind.DEGRADATION.expected());
    if (text == null) {
      return null;
    }
    try {
      Degradation d = ((Setting.Level) ControlKind.DEGRADATION.parse(text)).level();
      if (d == Degradation.NORMAL) {
        r.problem("level", "a level other than normal (a rule that holds sets it; it lets go by itself)");
      }
      return d;
    } catch (IllegalArgumentException e) {
      r.problem("level", ControlKind.DEGRADATION.expected());
      return null;
    }
  }

  private static Target target(Mapping r, String upstream, Map<String, UpstreamConfig> upstreams,
      List<RouteConfig> routes) {
    if (!r.has("target") && upstream != null && upstreams != null && !upstreams.containsKey(upstream)) {
      return null; // the unknown upstream is reported; its default target is not reported again
    }
    String text = r.string("target", upstream != null ? "upstream:" + upstream : "global");
    if (text == null) {
      return null;
    }
    if (text.equals("global")) {
      return Target.global();
    }
    if (text.startsWith("upstream:") && upstreams != null) {
      String n = text.substring("upstream:".length());
      if (upstreams.containsKey(n)) {
        return Target.upstream(n);
      }
      r.problem("target", "upstream:NAME with NAME one of " + upstreams.keySet());
      return null;
    }
    if (text.startsWith("route:") && routes != null) {
      String n = text.substring("route:".length());
      if (routes.stream().anyMatch(x -> x.name().equals(n))) {
        return Target.route(n);
      }
      r.problem("target", "route:NAME with NAME one of " + routes.stream().map(RouteConfig::name).toList());
      return null;
    }
    r.problem("target", "global, upstream:NAME or route:NAME");
    return null;
  }
}
