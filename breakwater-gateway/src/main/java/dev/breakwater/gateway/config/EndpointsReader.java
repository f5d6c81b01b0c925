package dev.breakwater.gateway.config;

import dev.breakwater.config.Durations;
import dev.breakwater.gateway.config.YamlReader.Mapping;
import dev.breakwater.gateway.config.YamlReader.Value;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Reads where an upstream's calls go: {@code endpoints} or {@code endpointGroups}, {@code healthCheck},
 * {@code outlierDetection}, {@code failback}, {@code connectTimeout} and {@code idleTimeout}; each problem at its line.
 */
final class EndpointsReader {
  /** The most endpoints of one upstream: a call's tried endpoints are one bit each in a {@code long}. */
  static final int MAX_ENDPOINTS = 64;
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
  private static final String URLS = "a list of http(s) base URLs, such as [http://127.0.0.1:9000]";
  private static final String STEPS = "increasing percentages from 1 that end at 100, such as [5, 25, 50, 100]";

  /** What the reader found; null parts only after a problem (reported). */
  record Endpoints(List<EndpointGroupConfig> groups, Duration connectTimeout, Duration idleTimeout,
      HealthCheckConfig healthCheck, OutlierDetectionConfig outlierDetection, FailbackConfig failback,
      ShardingConfig sharding) {}

  private final Function<Value, URI> httpUrl;

  /** {@code httpUrl} reads one URL, reporting a wrong one. */
  EndpointsReader(Function<Value, URI> httpUrl) {
    this.httpUrl = httpUrl;
  }

  /** The endpoint settings of upstream mapping {@code m}; {@code m} is marked failed on any problem. */
  Endpoints read(Mapping m) {
    List<EndpointGroupConfig> groups = groups(m);
    Duration connect = positive(m, "connectTimeout", UpstreamConfig.DEFAULT_CONNECT_TIMEOUT);
    Duration idle = positive(m, "idleTimeout", UpstreamConfig.DEFAULT_IDLE_TIMEOUT);
    HealthCheckConfig check = m.has("healthCheck") ? healthCheck(m) : null;
    OutlierDetectionConfig outliers = outlierDetection(m);
    FailbackConfig failback = failback(m);
    ShardingConfig sharding = m.has("sharding") ? sharding(m, groups) : null;
    return new Endpoints(groups, connect, idle, check, outliers, failback, sharding);
  }

  private List<EndpointGroupConfig> groups(Mapping m) {
    boolean flat = m.has("endpoints");
    boolean grouped = m.has("endpointGroups");
    if (flat && grouped) {
      m.problem("endpointGroups", "either endpoints (a list in priority order) or endpointGroups, not both");
      return List.of();
    }
    if (!flat && !grouped) {
      m.missing("endpoints", "a list of http(s) base URLs in priority order, such as [http://127.0.0.1:9000], or"
          + " endpointGroups: [{ name: primary, endpoints: [...] }]");
      return List.of();
    }
    List<EndpointGroupConfig> out = flat ? eachItsOwnGroup(m) : named(m);
    int count = out.stream().mapToInt(g -> g.endpoints().size()).sum();
    if (count > MAX_ENDPOINTS) {
      m.problem(flat ? "endpoints" : "endpointGroups", "at most " + MAX_ENDPOINTS + " endpoints in all, not "
          + count);
    }
    return out;
  }

  /**
   * The {@code endpoints} list: each URL a group of its own, in priority order, named by its host and port — what
   * the list always meant (the next endpoint only when the one before cannot serve).
   */
  private List<EndpointGroupConfig> eachItsOwnGroup(Mapping m) {
    List<URI> urls = urls(m, m.value("endpoints"));
    List<EndpointGroupConfig> out = new ArrayList<>();
    Set<String> names = new LinkedHashSet<>();
    for (URI u : urls) {
      String base = u.getHost() + (u.getPort() > 0 ? ":" + u.getPort() : "");
      String name = base;
      for (int n = 2; !names.add(name); n++) {
        name = base + "#" + n;
      }
      out.add(new EndpointGroupConfig(name, List.of(u)));
    }
    return out;
  }

  private List<EndpointGroupConfig> named(Mapping m) {
    Value v = m.value("endpointGroups");
    List<Value> items = v.items("a list of groups in priority order, such as [{ name: primary, endpoints:"
        + " [http://10.0.0.1:9000] }]");
    if (items == null || items.isEmpty()) {
      if (items != null) {
        v.problem("at least one group");
      }
      m.fail();
      return List.of();
    }
    List<EndpointGroupConfig> out = new ArrayList<>();
    Set<String> names = new LinkedHashSet<>();
    for (Value item : items) {
      Mapping g = item.mapping(Shape.ENDPOINT_GROUP);
      if (g == null) {
        m.fail();
        continue;
      }
      String name = g.requiredString("name", "a name of letters, digits, '.', '_' and '-', such as primary");
      if (name != null && !NAME.matcher(name).matches()) {
        g.problem("name", "a name of letters, digits, '.', '_' and '-', such as primary");
      } else if (name != null && !names.add(name)) {
        g.problem("name", "a name no other group of this upstream has");
      }
      Value ev = g.value("endpoints");
      List<URI> urls = ev == null || ev.isNull() ? null : urls(g, ev);
      if (urls == null) {
        g.missing("endpoints", URLS);
      }
      if (g.failed()) {
        m.fail();
      } else {
        out.add(new EndpointGroupConfig(name, urls));
      }
    }
    return out;
  }

  /** The URLs of a non-empty list; {@code owner} is marked failed on a problem. */
  private List<URI> urls(Mapping owner, Value v) {
    List<Value> items = v.items(URLS);
    List<URI> out = new ArrayList<>();
    if (items == null || items.isEmpty()) {
      if (items != null) {
        v.problem("at least one http(s) base URL");
      }
      owner.fail();
      return out;
    }
    for (Value item : items) {
      URI u = httpUrl.apply(item);
      if (u == null) {
        owner.fail();
      } else {
        out.add(u);
      }
    }
    return out;
  }

  private HealthCheckConfig healthCheck(Mapping upstream) {
    Mapping m = upstream.mapping("healthCheck");
    if (m == null) {
      return null;
    }
    String path = m.requiredString("path", "the path every endpoint answers 2xx on when it can serve, such as"
        + " /health");
    if (path != null && !path.startsWith("/")) {
      m.problem("path", "a path that starts with /, such as /health");
    }
    Duration interval = positive(m, "interval", HealthCheckConfig.DEFAULT_INTERVAL);
    Duration timeout = positive(m, "timeout", HealthCheckConfig.DEFAULT_TIMEOUT);
    int healthy = m.integer("healthyThreshold", HealthCheckConfig.DEFAULT_HEALTHY_THRESHOLD, 1, 1000);
    int unhealthy = m.integer("unhealthyThreshold", HealthCheckConfig.DEFAULT_UNHEALTHY_THRESHOLD, 1, 1000);
    if (m.failed()) {
      upstream.fail();
      return null;
    }
    return new HealthCheckConfig(path, interval, timeout, healthy, unhealthy);
  }

  private OutlierDetectionConfig outlierDetection(Mapping upstream) {
    OutlierDetectionConfig d = OutlierDetectionConfig.DEFAULTS;
    Mapping m = upstream.mapping("outlierDetection");
    if (m == null) {
      return d;
    }
    boolean enabled = m.bool("enabled", d.enabled());
    int failures = m.integer("consecutiveFailures", d.consecutiveFailures(), 1, 1000);
    Duration base = positive(m, "baseEjection", d.baseEjection());
    Duration max = positive(m, "maxEjection", d.maxEjection());
    if (!m.failed() && base.compareTo(max) > 0) {
      m.problem("maxEjection", "a duration at least baseEjection (" + Durations.format(base) + ")");
    }
    if (m.failed()) {
      upstream.fail();
      return d;
    }
    return new OutlierDetectionConfig(enabled, failures, base, max);
  }

  private FailbackConfig failback(Mapping upstream) {
    FailbackConfig d = FailbackConfig.DEFAULTS;
    Mapping m = upstream.mapping("failback");
    if (m == null) {
      return d;
    }
    int checks = m.integer("healthyChecks", d.healthyChecks(), 1, 1000);
    List<Integer> steps = m.has("steps") ? steps(m) : d.steps();
    Duration window = positive(m, "verifyWindow", d.verifyWindow());
    double rate = m.number("maxErrorRate", d.maxErrorRate());
    if (!m.failed() && !(rate >= 0 && rate < 100)) {
      m.problem("maxErrorRate", "a percentage from 0 to below 100, such as 5");
    }
    if (m.failed()) {
      upstream.fail();
      return d;
    }
    return new FailbackConfig(checks, steps, window, rate);
  }

  private List<Integer> steps(Mapping m) {
    Value v = m.value("steps");
    List<Value> items = v.items(STEPS);
    if (items == null) {
      m.fail();
      return null;
    }
    List<Integer> out = new ArrayList<>();
    for (Value item : items) {
      Long p = item.integer(1, 100, STEPS);
      if (p == null) {
        m.fail();
        return null;
      }
      if (!out.isEmpty() && p <= out.get(out.size() - 1)) {
        item.problem(STEPS + "; " + p + " does not increase on " + out.get(out.size() - 1));
        m.fail();
        return null;
      }
      out.add(p.intValue());
    }
    if (out.isEmpty() || out.get(out.size() - 1) != 100) {
      m.problem("steps", STEPS + "; the last step must be 100");
      return null;
    }
    return out;
  }

  /** The tenant map of {@code sharding}: each tenant to the name of one of {@code groups}. */
  private ShardingConfig sharding(Mapping upstream, List<EndpointGroupConfig> groups) {
    Mapping m = upstream.mapping("sharding");
    if (m == null) {
      return null;
    }
    List<String> names = groups.stream().map(EndpointGroupConfig::name).toList();
    java.util.Map<String, String> tenants = new java.util.LinkedHashMap<>();
    Value v = m.value("tenants");
    List<YamlReader.Named> entries = v == null ? List.of() : v.named("a mapping of tenant ids to group names, such as"
        + " { contoso: west }");
    if (entries == null) {
      upstream.fail();
      return null;
    }
    for (YamlReader.Named e : entries) {
      String group = e.value().string();
      if (group == null) {
        upstream.fail();
      } else if (!names.isEmpty() && !names.contains(group)) {
        e.value().problem("the name of one of this upstream's groups: " + YamlReader.oneOf(group, names));
        upstream.fail();
      } else {
        tenants.put(e.name(), group);
      }
    }
    return upstream.failed() ? null : new ShardingConfig(tenants);
  }

  /** A positive duration, or the default; a zero or negative one is reported. */
  private static Duration positive(Mapping m, String key, Duration dflt) {
    Duration d = m.duration(key, dflt);
    if (d.isNegative() || d.isZero()) {
      m.problem(key, "a positive duration, such as " + Durations.format(dflt));
      return dflt;
    }
    return d;
  }
}
