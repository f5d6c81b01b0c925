package dev.breakwater.gateway.config;

import dev.breakwater.config.ConfigException;
import dev.breakwater.gateway.config.YamlReader.Mapping;
import dev.breakwater.gateway.config.YamlReader.Named;
import dev.breakwater.fault.FaultKind;
import dev.breakwater.fault.FaultSpec;
import dev.breakwater.fault.FaultTarget;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the optional {@code faults} section: fault drills armed whenever the file is loaded (for chaos runs in CI),
 * each problem at its line. The fault's own rules (what fits which kind, the limits) are {@link FaultSpec}'s; this
 * reader puts its refusals at the offending key.
 */
final class FaultsReader {
  static final Map<String, FaultKind> KINDS = FaultKind.bySpelling();
  static final String KIND_EXPECTED = "one of " + KINDS.keySet();
  static final String TARGET_EXPECTED = "exactly one of route (a route's name) and upstream (an upstream's name)";

  private final YamlReader r;

  FaultsReader(YamlReader r) {
    this.r = r;
  }

  /**
   * The faults by name (empty when the section is absent), or null after a problem; targets are checked against
   * {@code upstreams} and {@code routes} when those could be read.
   */
  Map<String, FaultSpec> faults(Mapping root, Map<String, UpstreamConfig> upstreams, List<RouteConfig> routes) {
    YamlReader.Value v = root.value("faults");
    if (v == null || v.isNull()) {
      return Map.of();
    }
    List<Named> entries = v.named("a mapping of drill names to faults");
    if (entries == null) {
      return null;
    }
    Map<String, FaultSpec> out = new LinkedHashMap<>();
    boolean ok = true;
    for (Named e : entries) {
      if (!SloReader.NAME.matcher(e.name()).matches()) {
        r.problem(e.keyLine(), e.value().path, YamlReader.quote(e.name())
            + " (expected: a name of letters, digits, '.', '_' and '-')");
        ok = false;
        continue;
      }
      Mapping m = e.value().mapping(Shape.FAULT);
      FaultSpec f = m == null ? null : fault(m, upstreams == null ? null : upstreams.keySet(),
          routes == null ? null : routes.stream().map(RouteConfig::name).toList());
      if (f == null) {
        ok = false;
      } else {
        out.put(e.name(), f);
      }
    }
    return ok ? out : null;
  }

  private FaultSpec fault(Mapping m, Collection<String> upstreamNames, Collection<String> routeNames) {
    FaultTarget target = target(m, upstreamNames, routeNames);
    FaultKind kind = m.choice("kind", KINDS, null);
    if (!m.has("kind")) {
      m.missing("kind", KIND_EXPECTED);
    }
    Duration delay = m.duration("delay", null);
    Integer status = m.has("status") ? m.integer("status", 0, 100, 999) : null;
    Duration retryAfter = m.duration("retryAfter", null);
    Double percent = m.has("percent") ? m.number("percent", 100) : null;
    String tenant = m.string("tenant", null);
    Mapping h = m.has("header") ? m.mapping("header") : null;
    FaultSpec.HeaderMatch header = null;
    if (h != null) {
      String name = h.requiredString("name", "an HTTP header name such as X-Drill");
      String value = h.requiredString("value", "the value a call must carry to be hit");
      try {
        header = h.failed() ? null : new FaultSpec.HeaderMatch(name, value);
      } catch (ConfigException e) {
        h.problem(e.field().substring("header.".length()), e.expected());
      }
      if (h.failed()) {
        m.fail();
      }
    }
    Duration duration = m.duration("duration", null);
    if (m.failed() || target == null) {
      return null;
    }
    try {
      return FaultSpec.of(kind, target, delay, status, retryAfter, percent, tenant, header, duration);
    } catch (ConfigException e) {
      m.problem(e.field(), e.expected());
      return null;
    }
  }

  private FaultTarget target(Mapping m, Collection<String> upstreamNames, Collection<String> routeNames) {
    boolean route = m.has("route");
    boolean upstream = m.has("upstream");
    if (route == upstream) {
      if (route) {
        m.problem("upstream", TARGET_EXPECTED);
      } else {
        m.missing("route", TARGET_EXPECTED);
      }
      return null;
    }
    String key = route ? "route" : "upstream";
    String name = m.string(key, null);
    Collection<String> known = route ? routeNames : upstreamNames;
    if (name == null) {
      return null;
    }
    if (known != null && !known.contains(name)) {
      m.problem(key, "the name of a" + (route ? " route: " : "n upstream: ") + YamlReader.oneOf(name, known));
      return null;
    }
    return route ? FaultTarget.route(name) : FaultTarget.upstream(name);
  }
}
