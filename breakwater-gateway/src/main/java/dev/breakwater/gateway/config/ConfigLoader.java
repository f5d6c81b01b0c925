package dev.breakwater.gateway.config;

import dev.breakwater.bulkhead.BulkheadConfig;
import dev.breakwater.cache.CacheConfig;
import dev.breakwater.circuit.CircuitBreakerConfig.WindowType;
import dev.breakwater.circuit.CircuitBreakerConfig;
import dev.breakwater.config.ConfigException;
import dev.breakwater.config.Durations;
import dev.breakwater.config.Policies;
import dev.breakwater.config.TimeoutConfig;
import dev.breakwater.gateway.config.StateConfig.Backend;
import dev.breakwater.gateway.config.YamlReader.Mapping;
import dev.breakwater.gateway.config.YamlReader.Named;
import dev.breakwater.gateway.config.YamlReader.Value;
import dev.breakwater.fault.FaultSpec;
import dev.breakwater.idempotency.IdempotencyConfig;
import dev.breakwater.idempotency.WhenStoreUnavailable;
import dev.breakwater.ratelimit.RateLimitConfig;
import dev.breakwater.ratelimit.RateLimitScope;
import dev.breakwater.redis.RedisStateConfig;
import dev.breakwater.retry.Jitter;
import dev.breakwater.retry.RetryBudgetConfig;
import dev.breakwater.retry.RetryConfig;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/**
 * Loads and validates a gateway config file (YAML). Every problem is collected, not just the first, and reported
 * together in a {@link ConfigProblems}, each with the file, the line, the YAML path, the offending value and what
 * was expected:
 *
 * <pre>gateway.yaml:42: routes[3].rateLimits[0]: "per-tenat" (expected: one of [per-tenant, per-user]; did you mean "per-tenant"?)</pre>
 *
 * <p>Scalar values may refer to environment variables as {@code ${NAME}} or {@code ${NAME:-default}} (the default
 * stands in when the variable is unset or empty; {@code $${} is a literal {@code ${}). Merge keys
 * ({@code <<: *anchor}) are expanded.
 */
public final class ConfigLoader {
  /*
   * How it reads: snakeyaml-engine composes the file into a node tree (which keeps every node's line) and nothing
   * more; YamlReader walks the tree against Shape, the one list of accepted keys, converting scalars itself so that
   * an environment reference may stand for any value. Each record is built only when its own values were sound, and
   * the engine's own validation (ConfigException, "name: value (expected: ...)") is caught and re-reported at the
   * key's line and path, with the value as the file spells it. Policy names are collected before upstreams and
   * routes are read, so that a wrong reference is reported with the names there are.
   */

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
  private static final String NAME_EXPECTED = "a name of letters, digits, '.', '_' and '-'";
  private static final Pattern HEADER = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
  private static final List<String> METHODS = List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");
  private static final int MIN_TOKEN_LENGTH = AdminTokensReader.MIN_TOKEN_LENGTH;

  private final Function<String, String> env;

  private ConfigLoader(Function<String, String> env) {
    this.env = Objects.requireNonNull(env, "env");
  }

  /** A loader that resolves {@code ${NAME}} through {@code env} (returning null for an unset variable). */
  public static ConfigLoader withEnvironment(Function<String, String> env) {
    return new ConfigLoader(env);
  }

  /** Loads a file, resolving {@code ${NAME}} from the process environment. */
  public static GatewayConfig load(Path file) {
    return withEnvironment(System::getenv).read(file);
  }

  /** Parses YAML text as if it were the file {@code fileName}, resolving {@code ${NAME}} from the environment. */
  public static GatewayConfig parse(String yaml, String fileName) {
    return withEnvironment(System::getenv).read(yaml, fileName);
  }

  /** Loads a file. */
  public GatewayConfig read(Path file) {
    String name = file.toString();
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new ConfigProblems(List.of(new Problem(name, 0, "", "no such file (expected: a readable YAML file)")));
    } catch (CharacterCodingException e) {
      throw new ConfigProblems(List.of(new Problem(name, 0, "", "not UTF-8 (expected: a UTF-8 YAML file)")));
    } catch (IOException e) {
      throw new ConfigProblems(List.of(new Problem(name, 0, "", "cannot be read: " + e.getMessage()
          + " (expected: a readable YAML file)")));
    }
    return read(text, name, file);
  }

  /** Parses YAML text as if it were the file {@code fileName}. */
  public GatewayConfig read(String yaml, String fileName) {
    Path source;
    try {
      source = Path.of(fileName);
    } catch (InvalidPathException e) {
      source = Path.of("gateway.yaml");
    }
    return read(yaml, fileName, source);
  }

  /** For tests: the keys of each object shape the loader asked for while reading {@code yaml}. */
  Map<Shape.Obj, Set<String>> keysRead(String yaml) {
    YamlReader reader = new YamlReader("keys.yaml", env);
    new Load(reader, Path.of("keys.yaml")).root(new Compose(LoadSettings.builder().build()).composeString(yaml)
        .orElseThrow());
    return reader.keysRead();
  }

  private GatewayConfig read(String yaml, String fileName, Path source) {
    if (!yaml.isEmpty() && yaml.charAt(0) == '\uFEFF') {
      yaml = yaml.substring(1);
    }
    Optional<Node> root;
    try {
      root = new Compose(LoadSettings.builder().setLabel(fileName).setUseMarks(true).build()).composeString(yaml);
    } catch (MarkedYamlEngineException e) {
      Optional<Mark> mark = e.getProblemMark().isPresent() ? e.getProblemMark() : e.getContextMark();
      int line = mark.map(m -> m.getLine() + 1).orElse(0);
      String context = e.getContext() == null ? "" : " (" + e.getContext() + ")";
      throw new ConfigProblems(List.of(new Problem(fileName, line, "",
          "invalid YAML: " + (e.getProblem() == null ? e.getMessage() : e.getProblem().trim()) + context)));
    } catch (YamlEngineException e) {
      throw new ConfigProblems(List.of(new Problem(fileName, 0, "", "invalid YAML: " + e.getMessage())));
    }
    YamlReader reader = new YamlReader(fileName, env);
    GatewayConfig config = new Load(reader, source).root(root.orElse(null));
    if (!reader.problems().isEmpty() || config == null) {
      throw new ConfigProblems(reader.problems().isEmpty()
          ? List.of(new Problem(fileName, 0, "", "invalid (expected: a valid gateway config)"))
          : reader.problems());
    }
    return config;
  }

  /** One load: the reader and the names defined so far. */
  private static final class Load {
    private final YamlReader r;
    private final Path source;
    private final Map<String, Set<String>> policyNames = new LinkedHashMap<>();

    Load(YamlReader r, Path source) {
      this.r = r;
      this.source = source;
      for (String kind : Shape.POLICIES.keys()) {
        policyNames.put(kind, new LinkedHashSet<>());
      }
    }

    GatewayConfig root(Node node) {
      if (node == null) {
        r.problem(0, "", "empty (expected: a mapping with keys " + Shape.ROOT.keys() + ")");
        return null;
      }
      Mapping root = r.value("", node, YamlReader.line(node)).mapping(Shape.ROOT);
      if (root == null) {
        return null;
      }
      ServerConfig server = server(root.mapping("server"));
      AdminConfig admin = admin(root, root.mapping("admin"), server);
      StateConfig state = state(root.mapping("state"));
      IdentityConfig identity = identity(root.mapping("identity"));
      Policies policies = policies(root.mapping("policies"));
      Map<String, UpstreamConfig> upstreams = upstreams(root);
      List<RouteConfig> routes = routes(root, upstreams);
      Map<String, SloConfig> slos = new SloReader(r).slos(root, routes);
      TracingConfig tracing = TracingReader.tracing(root);
      HealthConfig health = HealthRulesReader.health(root, upstreams, routes, slos);
      Map<String, FaultSpec> faults = new FaultsReader(r).faults(root, upstreams, routes);
      if (!r.problems().isEmpty() || server == null || admin == null || state == null || identity == null
          || policies == null || upstreams == null || routes == null || slos == null || health == null
          || faults == null) {
        return null;
      }
      return new GatewayConfig(server, admin, state, identity, policies, upstreams, routes, source, slos, tracing,
          health, faults);
    }

    // ---------------------------------------------------------------------------------------------- listeners

    ServerConfig server(Mapping m) {
      ServerConfig d = ServerConfig.defaults();
      if (m == null) {
        return null;
      }
      String host = m.string("host", d.host());
      int port = m.integer("port", d.port(), 0, 65535);
      int maxHeaderBytes = m.integer("maxHeaderBytes", d.maxHeaderBytes(), 1024, Integer.MAX_VALUE);
      long maxBodyBytes = m.longValue("maxBodyBytes", d.maxBodyBytes(), 0, Long.MAX_VALUE);
      long bufferBodyBytes = m.longValue("bufferBodyBytes", Math.min(d.bufferBodyBytes(), maxBodyBytes), 0,
          Long.MAX_VALUE);
      Duration drain = notNegative(m, "drainTimeout", m.duration("drainTimeout", d.drainTimeout()));
      Duration head = notNegative(m, "requestHeadTimeout", m.duration("requestHeadTimeout",
          d.requestHeadTimeout()));
      Duration idle = notNegative(m, "idleTimeout", m.duration("idleTimeout", d.idleTimeout()));
      int perClient = m.integer("maxConnectionsPerClient", d.maxConnectionsPerClient(), 0, Integer.MAX_VALUE);
      // Above maxBodyBytes nothing is read at all (413), so a larger buffer bound would only mislead.
      return m.failed() ? null : new ServerConfig(host, port, maxHeaderBytes, maxBodyBytes,
          Math.min(bufferBodyBytes, maxBodyBytes), drain, head, idle, perClient);
    }

    AdminConfig admin(Mapping root, Mapping m, ServerConfig server) {
      if (m == null) {
        return null;
      }
      String host = m.string("host", "127.0.0.1");
      int port = m.integer("port", 9090, 0, 65535);
      List<AdminConfig.AdminToken> tokens = null;
      if (!root.has("admin")) {
        r.problem(root.line, "admin", "missing (expected: a mapping with token, the admin API's bearer token of at"
            + " least " + MIN_TOKEN_LENGTH + " characters, such as ${BW_ADMIN_TOKEN}; or tokens, a list of {name, "
            + "token})");
        m.fail();
      } else {
        tokens = AdminTokensReader.tokens(m);
      }
      if (server != null && port != 0 && port == server.port()) {
        problemAt(m, "port", port, "a port other than server.port (" + server.port() + ")");
      }
      return m.failed() || tokens == null ? null : new AdminConfig(host, port, tokens);
    }

    // -------------------------------------------------------------------------------------------------- state

    StateConfig state(Mapping m) {
      if (m == null) {
        return null;
      }
      Backend backend = m.choice("backend", Map.of("memory", Backend.MEMORY, "redis", Backend.REDIS),
          Backend.MEMORY);
      Mapping redis = m.mapping("redis");
      if (backend != Backend.REDIS || m.failed()) {
        // With memory state the redis section is checked for unknown keys only, so that one file can switch
        // backends through ${...} without the Redis variables being set.
        return m.failed() ? null : StateConfig.memory();
      }
      if (!m.has("redis")) {
        m.missing("redis", "a mapping with uri (or cluster: true and nodes) when backend is redis");
        return null;
      }
      if (redis == null) {
        return null;
      }
      RedisStateConfig c = redis(redis);
      return c == null ? null : StateConfig.redis(c);
    }

    RedisStateConfig redis(Mapping m) {
      RedisStateConfig d = RedisStateConfig.standalone("redis://127.0.0.1:6379");
      boolean cluster = m.bool("cluster", false);
      List<String> uris = new ArrayList<>();
      if (m.has("uri") && m.has("nodes")) {
        m.value("nodes").problem("either uri or nodes, not both");
        m.fail();
      } else if (m.has("nodes")) {
        Value nodes = m.value("nodes");
        if (!cluster) {
          nodes.problem("nodes only with cluster: true (use uri for a standalone or Sentinel Redis)");
          m.fail();
        }
        List<Value> items = nodes.items("a list of redis:// or rediss:// seed node URIs");
        if (items == null) {
          m.fail();
        } else if (items.isEmpty()) {
          nodes.problem("at least one redis:// or rediss:// seed node URI");
          m.fail();
        } else {
          for (Value item : items) {
            String u = redisUri(item, false);
            if (u == null) {
              m.fail();
            } else {
              uris.add(u);
            }
          }
        }
      } else if (m.has("uri")) {
        String u = redisUri(m.value("uri"), !cluster);
        if (u == null) {
          m.fail();
        } else {
          uris.add(u);
        }
      } else {
        m.missing("uri", "a redis://, rediss:// or redis-sentinel:// URI (or, with cluster: true, nodes)");
      }
      String keyPrefix = m.string("keyPrefix", d.keyPrefix());
      Duration commandTimeout = m.duration("commandTimeout", d.commandTimeout());
      Duration openDuration = m.duration("openDuration", d.openDuration());
      int failuresToOpen = m.integer("failuresToOpen", d.failuresToOpen(), Integer.MIN_VALUE, Integer.MAX_VALUE);
      int replicas = m.integer("idempotencyReplicas", d.idempotencyReplicas(), Integer.MIN_VALUE,
          Integer.MAX_VALUE);
      Duration replicaWait = m.duration("replicaWait", d.replicaWait());
      Duration heartbeat = m.duration("heartbeat", d.heartbeat());
      int maxCacheValueBytes = m.integer("maxCacheValueBytes", d.maxCacheValueBytes(), Integer.MIN_VALUE,
          Integer.MAX_VALUE);
      int leaseTokens = m.integer("leaseTokens", d.leaseTokens(), Integer.MIN_VALUE, Integer.MAX_VALUE);
      Duration leaseTtl = m.duration("leaseTtl", d.leaseTtl());
      if (m.failed()) {
        return null;
      }
      return core(m, Map.of("uris", m.has("uri") ? "uri" : "nodes"), () -> new RedisStateConfig(uris, cluster,
          keyPrefix, commandTimeout, openDuration, failuresToOpen, replicas, replicaWait, heartbeat,
          maxCacheValueBytes, leaseTokens, leaseTtl));
    }

    /** A Redis URI with a scheme the client takes; passwords in it are never echoed. */
    private String redisUri(Value v, boolean sentinelAllowed) {
      String u = v.scalar("a redis:// URI");
      if (u == null) {
        return null;
      }
      String expected = sentinelAllowed ? "a URI starting with redis://, rediss:// or redis-sentinel://"
          : "a URI starting with redis:// or rediss://";
      boolean ok = u.startsWith("redis://") || u.startsWith("rediss://")
          || sentinelAllowed && u.startsWith("redis-sentinel://");
      if (ok) {
        try {
          URI parsed = new URI(u);
          ok = parsed.getHost() != null || u.startsWith("redis-sentinel://");
        } catch (URISyntaxException e) {
          ok = false;
        }
      }
      if (!ok) {
        v.problemMessage(YamlReader.quote(redactUserInfo(u)) + " (expected: " + expected + ")");
        return null;
      }
      return u;
    }

    static String redactUserInfo(String uri) {
      return uri.replaceFirst("://[^@/]*@", "://***@");
    }

    // ----------------------------------------------------------------------------------------------- identity

    IdentityConfig identity(Mapping m) {
      IdentityConfig d = IdentityConfig.defaults();
      if (m == null) {
        return null;
      }
      String tenantHeader = header(m, "tenantHeader", d.tenantHeader());
      String userHeader = header(m, "userHeader", d.userHeader());
      Optional<JwtConfig> jwt = Optional.empty();
      if (m.has("jwt")) {
        Mapping j = m.mapping("jwt");
        if (j == null) {
          return null;
        }
        URI jwksUrl = httpUrl(j, "jwksUrl", true);
        String issuer = j.requiredString("issuer", "the issuer tokens must carry (iss), such as"
            + " https://login.microsoftonline.com/<tenant>/v2.0");
        String audience = j.requiredString("audience", "the audience tokens must carry (aud), such as"
            + " api://breakwater");
        String tenantClaim = j.string("tenantClaim", "tid");
        String userClaim = j.string("userClaim", "oid");
        Duration ttl = positive(j, "jwksCacheTtl", j.duration("jwksCacheTtl", Duration.ofMinutes(10)));
        if (j.failed()) {
          return null;
        }
        jwt = Optional.of(new JwtConfig(jwksUrl, issuer, audience, tenantClaim, userClaim, ttl));
      }
      return m.failed() ? null : new IdentityConfig(tenantHeader, userHeader, jwt);
    }

    private String header(Mapping m, String key, String dflt) {
      String h = m.string(key, dflt);
      if (h != null && !HEADER.matcher(h).matches()) {
        m.problem(key, "an HTTP header name such as " + dflt);
      }
      return h;
    }

    /** An absolute http(s) URL; required or null when absent. */
    private URI httpUrl(Mapping m, String key, boolean required) {
      Value v = m.value(key);
      if (v == null || v.isNull()) {
        if (required) {
          m.missing(key, "an http:// or https:// URL");
        }
        return null;
      }
      URI u = httpUrl(v);
      if (u == null) {
        m.fail();
      }
      return u;
    }

    private URI httpUrl(Value v) {
      String expected = "an absolute http:// or https:// URL such as http://127.0.0.1:9000";
      String s = v.scalar(expected);
      if (s == null) {
        return null;
      }
      try {
        URI u = new URI(s.trim());
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if ((scheme.equals("http") || scheme.equals("https")) && u.getHost() != null && u.getRawQuery() == null
            && u.getRawFragment() == null) {
          return u;
        }
      } catch (URISyntaxException e) {
        // reported below
      }
      v.problemMessage(YamlReader.quote(redactUserInfo(s)) + " (expected: " + expected + ", without query or"
          + " fragment)");
      return null;
    }

    // ----------------------------------------------------------------------------------------------- policies

    Policies policies(Mapping m) {
      if (m == null) {
        return null;
      }
      Policies.Builder b = Policies.builder();
      int before = r.problems().size();
      for (Named e : named(m, "timeouts")) {
        Mapping p = e.value().mapping(Shape.TIMEOUT);
        TimeoutConfig c = p == null ? null : timeout(p);
        if (c != null) {
          b.timeout(e.name(), c);
        }
      }
      for (Named e : named(m, "retries")) {
        Mapping p = e.value().mapping(Shape.RETRY);
        RetryConfig c = p == null ? null : retry(p);
        if (c != null) {
          b.retry(e.name(), c);
        }
      }
      for (Named e : named(m, "circuitBreakers")) {
        Mapping p = e.value().mapping(Shape.CIRCUIT_BREAKER);
        CircuitBreakerConfig c = p == null ? null : circuitBreaker(p);
        if (c != null) {
          b.circuitBreaker(e.name(), c);
        }
      }
      for (Named e : named(m, "bulkheads")) {
        Mapping p = e.value().mapping(Shape.BULKHEAD);
        BulkheadConfig c = p == null ? null : bulkhead(p);
        if (c != null) {
          b.bulkhead(e.name(), c);
        }
      }
      for (Named e : named(m, "rateLimits")) {
        Mapping p = e.value().mapping(Shape.RATE_LIMIT);
        RateLimitConfig c = p == null ? null : rateLimit(e.name(), p);
        if (c != null) {
          b.rateLimit(c);
        }
      }
      for (Named e : named(m, "idempotency")) {
        Mapping p = e.value().mapping(Shape.IDEMPOTENCY);
        IdempotencyConfig c = p == null ? null : idempotency(p);
        if (c != null) {
          b.idempotency(e.name(), c);
        }
      }
      for (Named e : named(m, "caches")) {
        Mapping p = e.value().mapping(Shape.CACHE);
        CacheConfig c = p == null ? null : cache(p);
        if (c != null) {
          b.cache(e.name(), c);
        }
      }
      return r.problems().size() > before ? null : b.build();
    }

    /** The entries of a policy kind; every well-formed name is recorded, even when its policy has problems. */
    private List<Named> named(Mapping policies, String kind) {
      Value v = policies.value(kind);
      if (v == null) {
        return List.of();
      }
      List<Named> entries = v.named("a mapping of " + kind + " policy names to policies");
      if (entries == null) {
        return List.of();
      }
      List<Named> out = new ArrayList<>();
      for (Named e : entries) {
        if (name(e)) {
          policyNames.get(kind).add(e.name());
          out.add(e);
        }
      }
      return out;
    }

    private boolean name(Named e) {
      if (NAME.matcher(e.name()).matches()) {
        return true;
      }
      r.problem(e.keyLine(), e.value().path, YamlReader.quote(e.name()) + " (expected: " + NAME_EXPECTED + ")");
      return false;
    }

    TimeoutConfig timeout(Mapping m) {
      TimeoutConfig d = TimeoutConfig.defaults();
      boolean enabled = m.bool("enabled", d.enabled());
      Duration attempt = m.duration("attempt", d.attempt());
      Duration deadline = m.duration("deadline", d.deadline());
      return m.failed() ? null : core(m, Map.of(), () -> new TimeoutConfig(enabled, attempt, deadline));
    }

    RetryConfig retry(Mapping m) {
      RetryConfig d = RetryConfig.defaults();
      boolean enabled = m.bool("enabled", d.enabled());
      int maxAttempts = m.integer("maxAttempts", d.maxAttempts(), Integer.MIN_VALUE, Integer.MAX_VALUE);
      Duration baseDelay = m.duration("baseDelay", d.baseDelay());
      Duration maxDelay = m.duration("maxDelay", d.maxDelay());
      Duration maxRetryAfter = m.duration("maxRetryAfter", d.maxRetryAfter());
      RetryBudgetConfig budget = d.budget();
      boolean budgetOk = true;
      Value bv = m.value("budget");
      if (bv != null && !bv.isNull()) {
        if (bv.node instanceof ScalarNode) {
          String s = bv.scalar("\"none\" or a mapping with keys " + Shape.RETRY_BUDGET.keys());
          if (s == null) {
            budgetOk = false;
          } else if (s.equals("none")) {
            budget = null;
          } else {
            bv.problem(YamlReader.oneOf(s, List.of("none")) + ", or a mapping with keys "
                + Shape.RETRY_BUDGET.keys());
            budgetOk = false;
          }
        } else {
          Mapping bm = bv.mapping(Shape.RETRY_BUDGET);
          budget = bm == null ? null : budget(bm);
          budgetOk = budget != null;
        }
      }
      if (m.failed() || !budgetOk) {
        return null;
      }
      Jitter jitter = jitter(m);
      if (jitter == null) {
        return null;
      }
      RetryBudgetConfig b = budget;
      return core(m, Map.of(), () -> new RetryConfig(enabled, maxAttempts, baseDelay, maxDelay, maxRetryAfter, b,
          jitter));
    }

    /** {@code full} (uniform in [0, d]) or a proportional spread such as {@code 10%} (uniform in d ± 10 %). */
    private static Jitter jitter(Mapping m) {
      String s = m.string("jitter", "full");
      if (s == null) {
        return null;
      }
      String t = s.trim();
      if (t.equals("full")) {
        return Jitter.full();
      }
      if (t.startsWith("±")) {
        t = t.substring(1);
      }
      if (t.endsWith("%")) {
        try {
          double percent = Double.parseDouble(t.substring(0, t.length() - 1));
          if (percent > 0 && percent <= 100) {
            return Jitter.proportional(percent / 100);
          }
        } catch (NumberFormatException e) {
          // reported below
        }
      }
      m.problem("jitter", "full, or a proportional spread around the delay such as 10% (more than 0, at most 100)");
      return null;
    }

    RetryBudgetConfig budget(Mapping m) {
      RetryBudgetConfig d = RetryBudgetConfig.defaults();
      double ratio = m.number("ratio", d.ratio());
      int min = m.integer("minRetriesPerSecond", d.minRetriesPerSecond(), Integer.MIN_VALUE, Integer.MAX_VALUE);
      Duration window = m.duration("window", d.window());
      return m.failed() ? null : core(m, Map.of(), () -> new RetryBudgetConfig(ratio, min, window));
    }

    CircuitBreakerConfig circuitBreaker(Mapping m) {
      CircuitBreakerConfig d = CircuitBreakerConfig.defaults();
      boolean enabled = m.bool("enabled", d.enabled());
      WindowType window = m.choice("window", windows(), d.windowType());
      int windowSize = m.integer("windowSize", d.windowSize(), Integer.MIN_VALUE, Integer.MAX_VALUE);
      int minimumCalls = m.integer("minimumCalls", d.minimumCalls(), Integer.MIN_VALUE, Integer.MAX_VALUE);
      double failureRate = m.number("failureRateThreshold", d.failureRateThreshold());
      double slowRate = m.number("slowCallRateThreshold", d.slowCallRateThreshold());
      Duration slowCall = m.duration("slowCallDuration", d.slowCallDuration());
      Duration open = m.duration("openDuration", d.openDuration());
      int probes = m.integer("halfOpenProbes", d.halfOpenProbes(), Integer.MIN_VALUE, Integer.MAX_VALUE);
      int successes = m.integer("halfOpenSuccesses", d.halfOpenSuccesses(), Integer.MIN_VALUE, Integer.MAX_VALUE);
      boolean fleet = m.bool("fleet", d.fleet());
      CircuitBreakerConfig within = m.has("failuresWithin") ? failuresWithin(m.mapping("failuresWithin")) : d;
      return m.failed() || within == null ? null : core(m, Map.of("windowType", "window"),
          () -> new CircuitBreakerConfig(enabled, window, windowSize, minimumCalls, failureRate, slowRate, slowCall,
              open, probes, successes, within.failureCount(), within.failureCountWindow(), fleet));
    }

    /** The rule {@code failuresWithin: {count, window}}, checked by the core on a default config. */
    private CircuitBreakerConfig failuresWithin(Mapping m) {
      if (m == null) {
        return null;
      }
      Long count = m.requiredLong("count", 1, CircuitBreakerConfig.MAX_FAILURE_COUNT);
      Duration window = m.requiredDuration("window");
      return m.failed() ? null : core(m, Map.of("failureCount", "count", "failureCountWindow", "window"),
          () -> CircuitBreakerConfig.defaults().withFailuresWithin((int) (long) count, window));
    }

    private static Map<String, WindowType> windows() {
      Map<String, WindowType> m = new LinkedHashMap<>();
      m.put("count", WindowType.COUNT_BASED);
      m.put("time", WindowType.TIME_BASED);
      return m;
    }

    BulkheadConfig bulkhead(Mapping m) {
      BulkheadConfig d = BulkheadConfig.defaults();
      boolean enabled = m.bool("enabled", d.enabled());
      int maxConcurrent = m.integer("maxConcurrent", d.maxConcurrent(), Integer.MIN_VALUE, Integer.MAX_VALUE);
      int reserve = m.integer("interactiveReserve", d.interactiveReserve(), Integer.MIN_VALUE, Integer.MAX_VALUE);
      Duration maxWait = m.duration("maxWait", d.maxWait());
      int maxQueue = m.integer("maxQueue", d.maxQueue(), Integer.MIN_VALUE, Integer.MAX_VALUE);
      return m.failed() ? null : core(m, Map.of(), () -> new BulkheadConfig(enabled, maxConcurrent, reserve,
          maxWait, maxQueue));
    }

    RateLimitConfig rateLimit(String name, Mapping m) {
      boolean enabled = m.bool("enabled", true);
      RateLimitScope scope = null;
      if (m.has("scope")) {
        scope = m.choice("scope", scopes(), null);
      } else {
        m.missing("scope", "one of " + scopes().keySet());
      }
      Long permits = m.requiredLong("permits", Long.MIN_VALUE, Long.MAX_VALUE);
      Duration period = m.requiredDuration("period");
      long burst = m.longValue("burst", permits == null ? 1 : permits, Long.MIN_VALUE, Long.MAX_VALUE);
      if (m.failed()) {
        return null;
      }
      RateLimitScope s = scope;
      return core(m, Map.of("name", ""), () -> new RateLimitConfig(name, enabled, s, permits, period, burst));
    }

    private static Map<String, RateLimitScope> scopes() {
      Map<String, RateLimitScope> m = new LinkedHashMap<>();
      for (RateLimitScope s : RateLimitScope.values()) {
        m.put(s.name().toLowerCase(Locale.ROOT), s);
      }
      return m;
    }

    IdempotencyConfig idempotency(Mapping m) {
      IdempotencyConfig d = IdempotencyConfig.defaults();
      boolean enabled = m.bool("enabled", d.enabled());
      Duration ttl = m.duration("ttl", d.ttl());
      Duration lease = m.duration("lease", d.lease());
      int maxKeyLength = m.integer("maxKeyLength", d.maxKeyLength(), Integer.MIN_VALUE, Integer.MAX_VALUE);
      WhenStoreUnavailable when = m.choice("whenStoreUnavailable", options(WhenStoreUnavailable.values(),
          w -> w.name().toLowerCase(Locale.ROOT).replace('_', '-')), d.whenStoreUnavailable());
      boolean upstreamDeduplicates = m.bool("upstreamDeduplicates", d.upstreamDeduplicates());
      return m.failed() ? null : core(m, Map.of(), () -> new IdempotencyConfig(enabled, ttl, lease, maxKeyLength,
          when, upstreamDeduplicates));
    }

    CacheConfig cache(Mapping m) {
      boolean enabled = m.bool("enabled", true);
      Duration ttl = m.requiredDuration("ttl");
      Duration staleIfError = m.duration("staleIfError", Duration.ZERO);
      String version = m.string("version", "v1");
      boolean shared = m.bool("shared", false);
      return m.failed() ? null : core(m, Map.of(), () -> new CacheConfig(enabled, ttl, staleIfError, version,
          shared));
    }

    // ---------------------------------------------------------------------------------------------- upstreams

    Map<String, UpstreamConfig> upstreams(Mapping root) {
      Value v = root.value("upstreams");
      if (v == null || v.isNull()) {
        root.missing("upstreams", "a mapping of upstream names to upstreams, at least one");
        return null;
      }
      List<Named> entries = v.named("a mapping of upstream names to upstreams");
      if (entries == null) {
        return null;
      }
      if (entries.isEmpty()) {
        v.problem("at least one upstream");
        return null;
      }
      Map<String, UpstreamConfig> out = new LinkedHashMap<>();
      boolean ok = true;
      for (Named e : entries) {
        // The name counts as defined even when the upstream has problems, so routes do not report it again.
        out.put(e.name(), null);
        if (!name(e)) {
          ok = false;
          continue;
        }
        Mapping m = e.value().mapping(Shape.UPSTREAM);
        UpstreamConfig u = m == null ? null : upstream(e.name(), m);
        if (u == null) {
          ok = false;
        } else {
          out.put(e.name(), u);
        }
      }
      return ok ? out : nullValued(out);
    }

    /** The names with null values: enough for routes to check references against. */
    private static Map<String, UpstreamConfig> nullValued(Map<String, UpstreamConfig> names) {
      Map<String, UpstreamConfig> m = new LinkedHashMap<>();
      names.keySet().forEach(k -> m.put(k, null));
      return m;
    }

    UpstreamConfig upstream(String name, Mapping m) {
      EndpointsReader.Endpoints where = new EndpointsReader(this::httpUrl).read(m);
      List<URI> endpoints = where.groups().stream().flatMap(g -> g.endpoints().stream()).toList();
      String timeout = ref(m, "timeout", "timeouts");
      String retry = ref(m, "retry", "retries");
      String breaker = ref(m, "circuitBreaker", "circuitBreakers");
      boolean perTenant = m.bool("breakerPerTenant", false);
      boolean gate = m.bool("throttleGate", true);
      int maxConnections = m.integer("maxConnections", 64, 1, Integer.MAX_VALUE);
      UpstreamConfig.Protocol protocol = m.choice("protocol", Map.of("http1", UpstreamConfig.Protocol.HTTP1,
          "h2c", UpstreamConfig.Protocol.H2C, "h2", UpstreamConfig.Protocol.H2), UpstreamConfig.Protocol.HTTP1);
      if (protocol != null && protocol != UpstreamConfig.Protocol.HTTP1) {
        String scheme = protocol == UpstreamConfig.Protocol.H2 ? "https" : "http";
        for (URI u : endpoints) {
          if (!scheme.equals(u.getScheme())) {
            m.problem("protocol", scheme + ":// endpoints only (h2c is HTTP/2 over http://, h2 over https://),"
                + " not " + u);
            break;
          }
        }
      }
      String caFile = m.string("caFile", null);
      if (caFile != null && !java.nio.file.Files.isReadable(Path.of(caFile))) {
        m.problem("caFile", "a readable PEM file of CA certificates; no such file from " + Path.of("").toAbsolutePath());
      }
      return m.failed() ? null : new UpstreamConfig(name, where.groups(), timeout, retry, breaker, perTenant, gate,
          maxConnections, protocol, caFile, where.connectTimeout(), where.idleTimeout(), where.healthCheck(),
          where.outlierDetection(), where.failback(), where.sharding());
    }

    /** A reference to a named policy of {@code kind}, or null when absent; a wrong name is reported. */
    private String ref(Mapping m, String key, String kind) {
      Value v = m.value(key);
      if (v == null || v.isNull()) {
        return null;
      }
      String s = ref(v, kind);
      if (s == null) {
        m.fail();
      }
      return s;
    }

    private String ref(Value v, String kind) {
      String s = v.string();
      if (s == null) {
        return null;
      }
      return known(v, s, policyNames.get(kind), "policies." + kind) ? s : null;
    }

    private boolean known(Value v, String name, Set<String> names, String where) {
      if (names.contains(name)) {
        return true;
      }
      v.problem(names.isEmpty() ? "one of []; none are defined under " + where : YamlReader.oneOf(name, names));
      return false;
    }

    // ------------------------------------------------------------------------------------------------- routes

    List<RouteConfig> routes(Mapping root, Map<String, UpstreamConfig> upstreams) {
      Value v = root.value("routes");
      if (v == null || v.isNull()) {
        root.missing("routes", "a list of routes, at least one");
        return null;
      }
      List<Value> items = v.items("a list of routes");
      if (items == null) {
        return null;
      }
      if (items.isEmpty()) {
        v.problem("at least one route");
        return null;
      }
      List<RouteConfig> out = new ArrayList<>();
      Map<String, Value> names = new LinkedHashMap<>();
      Map<String, List<Value>> invalidating = new LinkedHashMap<>();
      boolean ok = true;
      for (Value item : items) {
        Mapping m = item.isNull() ? null : item.mapping(Shape.ROUTE);
        if (item.isNull()) {
          item.problem("a mapping with keys " + Shape.ROUTE.keys());
        }
        RouteConfig route = m == null ? null : route(m, upstreams == null ? null : upstreams.keySet());
        if (route == null) {
          ok = false;
          continue;
        }
        Value first = names.putIfAbsent(route.name(), item);
        if (first != null) {
          Value nv = m.value("name");
          String where = first.path + " at line " + first.line;
          if (nv != null && !nv.isNull()) {
            nv.problem("a name no other route has (" + where + " has it)");
          } else {
            r.problem(item.line, m.path + ".name", YamlReader.quote(route.name())
                + ", the default (expected: a name no other route has (" + where + " has it); set name)");
          }
          ok = false;
          continue;
        }
        out.add(route);
        if (!route.invalidates().isEmpty()) {
          invalidating.put(route.name(), m.value("invalidates").items("a list"));
        }
      }
      return ok && invalidatesCachedRoutes(out, invalidating) ? out : null;
    }

    /** Whether every name under a route's {@code invalidates} is a route with a cache (each other one reported). */
    private static boolean invalidatesCachedRoutes(List<RouteConfig> routes, Map<String, List<Value>> invalidating) {
      Set<String> cached = new java.util.TreeSet<>();
      for (RouteConfig r : routes) {
        if (r.cache() != null) {
          cached.add(r.name());
        }
      }
      boolean ok = true;
      for (List<Value> items : invalidating.values()) {
        for (Value item : items) {
          String name = item.string();
          if (!cached.contains(name)) {
            item.problem(cached.isEmpty() ? "the name of a route with a cache; no route has one"
                : "the name of a route with a cache: " + YamlReader.oneOf(name, cached));
            ok = false;
          }
        }
      }
      return ok;
    }

    /** A route; {@code upstreams} is null when the upstreams section could not be read. */
    RouteConfig route(Mapping m, Set<String> upstreams) {
      String path = null;
      Pattern pattern = null;
      if (m.has("path") && m.has("pattern")) {
        m.problem("pattern", "either path or pattern, not both");
      } else if (m.has("path")) {
        path = m.string("path", null);
        if (path != null && (!path.startsWith("/") || path.chars().anyMatch(c -> c <= ' ' || c == '?' || c == '#'))) {
          m.problem("path", "a path prefix starting with '/', without spaces, query or fragment");
          path = null;
        }
      } else if (m.has("pattern")) {
        String p = m.string("pattern", null);
        if (p != null) {
          try {
            pattern = Pattern.compile(p);
          } catch (PatternSyntaxException e) {
            m.problem("pattern", "a regular expression (" + e.getDescription() + " at index " + e.getIndex() + ")");
          }
        }
      } else {
        m.missing("path", "a path prefix such as /v1.0/me/messages, or a pattern such as ^/v1\\.0/me/messages/[^/]+$");
      }

      Set<String> methods = new LinkedHashSet<>();
      Value mv = m.value("methods");
      if (mv != null && !mv.isNull()) {
        List<Value> items = mv.items("a list of HTTP methods such as [GET, HEAD]");
        if (items == null) {
          m.fail();
        } else if (items.isEmpty()) {
          mv.problem("at least one of " + METHODS + ", or no methods key for every method");
          m.fail();
        } else {
          Map<String, String> options = new LinkedHashMap<>();
          METHODS.forEach(x -> options.put(x, x));
          for (Value item : items) {
            String method = item.choice(options);
            if (method == null) {
              m.fail();
            } else {
              methods.add(method);
            }
          }
        }
      }

      String where = path != null ? path : pattern != null ? pattern.pattern() : "?";
      String name = m.string("name", (methods.isEmpty() ? "*" : String.join(",", methods)) + " " + where);

      String upstream = null;
      Value uv = m.value("upstream");
      if (uv == null || uv.isNull()) {
        m.missing("upstream", upstreams == null || upstreams.isEmpty() ? "the name of an upstream"
            : "one of " + upstreams);
      } else {
        upstream = uv.string();
        // Without a readable upstreams section there is nothing to check the name against (reported there).
        if (upstream == null || upstreams != null && !known(uv, upstream, upstreams, "upstreams")) {
          upstream = null;
          m.fail();
        }
      }

      String operation = m.string("operation", name);
      String domain = m.string("domain", null);
      RouteKind kind = m.choice("kind", options(RouteKind.values(), RouteKind::yamlName), RouteKind.AUTO);
      LaneMode lane = m.choice("lane", options(LaneMode.values(), LaneMode::yamlName), LaneMode.INTERACTIVE);
      int cost = m.integer("cost", 1, 1, Integer.MAX_VALUE);
      String bulkhead = ref(m, "bulkhead", "bulkheads");
      String writeBulkhead = ref(m, "writeBulkhead", "bulkheads");
      List<String> rateLimits = new ArrayList<>();
      Value rv = m.value("rateLimits");
      if (rv != null && !rv.isNull()) {
        List<Value> items = rv.items("a list of rate limit names such as [per-tenant]");
        if (items == null) {
          m.fail();
        } else {
          for (Value item : items) {
            String s = ref(item, "rateLimits");
            if (s == null) {
              m.fail();
            } else {
              rateLimits.add(s);
            }
          }
        }
      }
      String timeout = ref(m, "timeout", "timeouts");
      String retry = ref(m, "retry", "retries");
      String idempotency = ref(m, "idempotency", "idempotency");
      String cache = ref(m, "cache", "caches");
      if (cache != null && !methods.isEmpty() && !methods.contains("GET")) {
        m.problem("cache", "a route whose methods include GET (only GET responses are cached)");
      }
      boolean cacheShared = m.bool("cacheShared", false);
      // Credentialed requests are cached privately per credential digest; an explicit false keeps bypassing them.
      boolean cacheCredentialed = m.bool("cacheCredentialed", true);
      List<String> invalidates = new ArrayList<>();
      Value iv = m.value("invalidates");
      if (iv != null && !iv.isNull()) {
        List<Value> items = iv.items("a list of names of routes with a cache, such as [list-calendars]");
        if (items == null) {
          m.fail();
        } else {
          for (Value item : items) {
            String s = item.string();
            if (s == null) {
              m.fail();
            } else {
              invalidates.add(s);
            }
          }
        }
      }
      String defaultTenant = m.string("defaultTenant", null);
      boolean tenantRequired = m.bool("tenantRequired", defaultTenant == null);
      if (defaultTenant != null && tenantRequired) {
        m.problem("defaultTenant", "no defaultTenant when tenantRequired is true (a default tenant means requests"
            + " without one are taken)");
      }
      boolean essential = m.bool("essential", true);
      if (m.failed()) {
        return null;
      }
      return new RouteConfig(name, path, pattern, methods, upstream, operation, domain, kind, lane, cost, bulkhead,
          writeBulkhead, rateLimits, idempotency, cache, cacheShared, cacheCredentialed, invalidates, tenantRequired,
          defaultTenant, timeout, retry, essential);
    }

    private static <E> Map<String, E> options(E[] values, Function<E, String> spelling) {
      Map<String, E> m = new LinkedHashMap<>();
      for (E e : values) {
        m.put(spelling.apply(e), e);
      }
      return m;
    }

    // ---------------------------------------------------------------------------------------------- utilities

    /** Builds a core record, re-reporting its ConfigException at the key's line and path; null on a problem. */
    private <T> T core(Mapping m, Map<String, String> yamlKeys, Supplier<T> build) {
      try {
        return build.get();
      } catch (ConfigException e) {
        reportCore(m, yamlKeys, e);
        m.fail();
        return null;
      }
    }

    private void reportCore(Mapping m, Map<String, String> yamlKeys, ConfigException e) {
      String coreValue = String.valueOf(e.value());
      String expected = Durations.humanize(e.expected());
      String key = yamlKeys.getOrDefault(e.field(), e.field());
      if (key.isEmpty()) {
        r.problem(m.line, m.path, Durations.humanize(coreValue) + " (expected: " + expected + ")");
      } else if (m.shape.fields().containsKey(key) && m.has(key)) {
        Value v = m.value(key);
        v.problemMessage(v.render() + " (expected: " + expected + ")");
      } else {
        r.problem(m.line, YamlReader.Mapping.join(m.path, key), Durations.humanize(coreValue)
            + ", the default (expected: " + expected + ")");
      }
    }

    /** Reports a value that parsed but is wrong in context, whether it was given or defaulted. */
    private void problemAt(Mapping m, String key, Object effective, String expected) {
      m.fail();
      if (m.has(key)) {
        m.value(key).problem(expected);
      } else {
        r.problem(m.line, YamlReader.Mapping.join(m.path, key), effective + ", the default (expected: " + expected
            + ")");
      }
    }

    private Duration notNegative(Mapping m, String key, Duration d) {
      if (d != null && d.isNegative()) {
        problemAt(m, key, Durations.format(d), "a duration >= 0");
      }
      return d;
    }

    private Duration positive(Mapping m, String key, Duration d) {
      if (d != null && (d.isNegative() || d.isZero())) {
        problemAt(m, key, Durations.format(d), "a positive duration");
      }
      return d;
    }
  }
}
