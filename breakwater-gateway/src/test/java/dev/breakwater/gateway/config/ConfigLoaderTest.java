package dev.breakwater.gateway.config;

import dev.breakwater.config.Durations;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.breakwater.Lane;
import dev.breakwater.OperationKind;
import dev.breakwater.config.PipelineConfig;
import dev.breakwater.idempotency.WhenStoreUnavailable;
import dev.breakwater.ratelimit.RateLimitScope;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

  /** A valid config; tests append to it or replace parts of it, so keep its line numbers in mind. */
  static final String BASE = """
      server:
        port: 8080
      admin:
        token: 0123456789abcdef
      policies:
        timeouts:
          default: { attempt: 5s, deadline: 20s }
        retries:
          default: { maxAttempts: 3 }
        circuitBreakers:
          graph: { failureRateThreshold: 50 }
        bulkheads:
          mail: { maxConcurrent: 10 }
        rateLimits:
          per-tenant: { scope: tenant, permits: 100, period: 1s }
          per-user: { scope: user, permits: 10, period: 1s }
        caches:
          short: { ttl: 30s }
      upstreams:
        graph:
          endpoints: [http://127.0.0.1:9000]
          timeout: default
          retry: default
          circuitBreaker: graph
      routes:
        - path: /v1.0/me/messages
          methods: [GET]
          upstream: graph
          rateLimits: [per-tenant, per-user]
      """;

  static GatewayConfig parse(String yaml) {
    return ConfigLoader.withEnvironment(Map.<String, String>of()::get).read(yaml, "gateway.yaml");
  }

  static List<String> problems(String yaml) {
    return problems(yaml, Map.of());
  }

  static List<String> problems(String yaml, Map<String, String> env) {
    try {
      ConfigLoader.withEnvironment(env::get).read(yaml, "gateway.yaml");
    } catch (ConfigProblems e) {
      assertThat(e.getMessage()).isEqualTo(String.join("\n", e.problems().stream().map(Problem::toString).toList()));
      return e.problems().stream().map(Problem::toString).toList();
    }
    throw new AssertionError("expected problems, but the config loaded");
  }

  // ------------------------------------------------------------------------------------------------- the model

  @Test
  void theListenersConnectionBoundsAreRead() {
    GatewayConfig c = parse(BASE.replace("  port: 8080", "  port: 8080\n  requestHeadTimeout: 3s\n  idleTimeout: 45s\n"
        + "  maxConnectionsPerClient: 32"));
    assertThat(c.server().requestHeadTimeout()).isEqualTo(java.time.Duration.ofSeconds(3));
    assertThat(c.server().idleTimeout()).isEqualTo(java.time.Duration.ofSeconds(45));
    assertThat(c.server().maxConnectionsPerClient()).isEqualTo(32);
    assertThat(problems(BASE.replace("  port: 8080", "  port: 8080\n  maxConnectionsPerClient: -1")))
        .containsExactly("gateway.yaml:3: server.maxConnectionsPerClient: -1 (expected: an integer >= 0)");
    assertThat(problems(BASE.replace("  port: 8080", "  port: 8080\n  requestHeadTimeout: -1s")))
        .singleElement().asString().contains("server.requestHeadTimeout").contains("expected: a duration");
  }

  @Test
  void baseLoadsWithDefaults() {
    GatewayConfig c = parse(BASE);
    assertThat(c.server()).isEqualTo(ServerConfig.defaults());
    assertThat(c.admin().host()).isEqualTo("127.0.0.1");
    assertThat(c.admin().port()).isEqualTo(9090);
    assertThat(c.admin().toString()).doesNotContain("0123456789abcdef");
    assertThat(c.state()).isEqualTo(StateConfig.memory());
    assertThat(c.state().redis()).isEmpty();
    assertThat(c.identity()).isEqualTo(IdentityConfig.defaults());
    assertThat(c.source()).isEqualTo(Path.of("gateway.yaml"));
    assertThat(c.policies().timeout("default").attempt()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.policies().rateLimit("per-tenant").burst()).isEqualTo(100);
    assertThat(c.policies().rateLimit("per-user").scope()).isEqualTo(RateLimitScope.USER);
    assertThat(c.policies().retry("default").budget()).isNotNull();

    RouteConfig r = c.routes().get(0);
    assertThat(r.name()).isEqualTo("GET /v1.0/me/messages");
    assertThat(r.operation()).isEqualTo("GET /v1.0/me/messages");
    assertThat(r.kind()).isEqualTo(RouteKind.AUTO);
    assertThat(r.lane()).isEqualTo(LaneMode.INTERACTIVE);
    assertThat(r.cost()).isEqualTo(1);
    assertThat(r.tenantRequired()).isTrue();

    UpstreamConfig u = c.upstreams().get("graph");
    assertThat(u.throttleGate()).isTrue();
    assertThat(u.maxConnections()).isEqualTo(64);
    PipelineConfig p = c.pipelineConfig(r);
    assertThat(p).isEqualTo(PipelineConfig.named("GET /v1.0/me/messages").withUpstream("graph")
        .withTimeout("default").withRetry("default").withCircuitBreaker("graph").withThrottleGate(true)
        .withRateLimits(List.of("per-tenant", "per-user")));
  }

  @Test
  void routesMatchPrefixesOnSegmentBoundariesAndTheFirstMatchWins() {
    GatewayConfig c = parse(BASE + """
          - name: catch-all
            path: /v1.0
            upstream: graph
          - name: by-pattern
            pattern: ^/v2/items/[^/]+$
            upstream: graph
        """);
    assertThat(c.route("GET", "/v1.0/me/messages").map(RouteConfig::name)).contains("GET /v1.0/me/messages");
    assertThat(c.route("get", "/v1.0/me/messages/123").map(RouteConfig::name)).contains("GET /v1.0/me/messages");
    assertThat(c.route("GET", "/v1.0/me/messagesX").map(RouteConfig::name)).contains("catch-all");
    assertThat(c.route("POST", "/v1.0/me/messages").map(RouteConfig::name)).contains("catch-all");
    assertThat(c.route("GET", "/v2/items/7").map(RouteConfig::name)).contains("by-pattern");
    assertThat(c.route("GET", "/v2/items/7/x")).isEmpty();
    assertThat(c.route("GET", "/v1")).isEmpty();
  }

  @Test
  void routeKindAndLaneResolve() {
    assertThat(RouteKind.AUTO.resolve("GET", false)).isEqualTo(OperationKind.READ);
    assertThat(RouteKind.AUTO.resolve("HEAD", false)).isEqualTo(OperationKind.READ);
    assertThat(RouteKind.AUTO.resolve("PUT", false)).isEqualTo(OperationKind.IDEMPOTENT_WRITE);
    assertThat(RouteKind.AUTO.resolve("DELETE", false)).isEqualTo(OperationKind.IDEMPOTENT_WRITE);
    assertThat(RouteKind.AUTO.resolve("POST", false)).isEqualTo(OperationKind.WRITE);
    assertThat(RouteKind.AUTO.resolve("POST", true)).isEqualTo(OperationKind.IDEMPOTENT_WRITE);
    assertThat(RouteKind.READ.resolve("POST", false)).isEqualTo(OperationKind.READ);
    assertThat(LaneMode.HEADER.resolve("batch")).isEqualTo(Lane.BATCH);
    assertThat(LaneMode.HEADER.resolve(null)).isEqualTo(Lane.INTERACTIVE);
    assertThat(LaneMode.BATCH.resolve(null)).isEqualTo(Lane.BATCH);
  }

  @Test
  void everyRouteKeyIsRead() {
    GatewayConfig c = parse(BASE.replace("""
          caches:
            short: { ttl: 30s }
        """, """
          caches:
            short: { ttl: 30s }
          idempotency:
            writes: { ttl: 10m }
        """) + """
          - name: all
            pattern: ^/all$
            methods: [GET, POST]
            upstream: graph
            operation: everything
            domain: mail
            kind: idempotent_write
            lane: header
            cost: 5
            bulkhead: mail
            writeBulkhead: mail
            rateLimits: [per-user]
            idempotency: writes
            cache: short
            cacheShared: true
            cacheCredentialed: true
            tenantRequired: false
            defaultTenant: contoso
        """);
    RouteConfig r = c.routes().get(1);
    assertThat(r.pattern().pattern()).isEqualTo("^/all$");
    assertThat(r.path()).isNull();
    assertThat(r.methods()).containsExactlyInAnyOrder("GET", "POST");
    assertThat(r.operation()).isEqualTo("everything");
    assertThat(r.kind()).isEqualTo(RouteKind.IDEMPOTENT_WRITE);
    assertThat(r.lane()).isEqualTo(LaneMode.HEADER);
    assertThat(r.cost()).isEqualTo(5);
    assertThat(r.cacheShared()).isTrue();
    assertThat(r.cacheCredentialed()).isTrue();
    assertThat(r.tenantRequired()).isFalse();
    assertThat(r.defaultTenant()).isEqualTo("contoso");
    assertThat(c.pipelineConfig(r)).isEqualTo(PipelineConfig.named("all").withUpstream("graph").withDomain("mail")
        .withTimeout("default").withRetry("default").withCircuitBreaker("graph").withThrottleGate(true)
        .withBulkhead("mail").withWriteBulkhead("mail").withRateLimits(List.of("per-user"))
        .withIdempotency("writes").withCache("short"));
  }

  @Test
  void anIdempotencyPolicyRefusesWhileTheStoreIsUnavailableUnlessItAcceptsLocalDecisions() {
    GatewayConfig c = parse(BASE.replace("""
          caches:
            short: { ttl: 30s }
        """, """
          caches:
            short: { ttl: 30s }
          idempotency:
            strict: { ttl: 10m }
            lenient: { whenStoreUnavailable: accept-local }
        """));
    assertThat(c.policies().idempotency("strict").whenStoreUnavailable()).isEqualTo(WhenStoreUnavailable.REFUSE);
    assertThat(c.policies().idempotency("lenient").whenStoreUnavailable())
        .isEqualTo(WhenStoreUnavailable.ACCEPT_LOCAL);
    assertThat(problems(BASE.replace("""
          caches:
            short: { ttl: 30s }
        """, """
          caches:
            short: { ttl: 30s }
          idempotency:
            odd: { whenStoreUnavailable: guess }
        """))).singleElement().asString().contains("whenStoreUnavailable").contains("refuse, accept-local");
  }

  @Test
  void redisStateAndJwtIdentity() {
    GatewayConfig c = parse(BASE.replace("""
        admin:
        """, """
        state:
          backend: redis
          redis:
            uri: redis://10.0.0.5:6379
            keyPrefix: fleet
            commandTimeout: 50ms
            leaseTokens: 10
        identity:
          tenantHeader: X-Org
          jwt:
            jwksUrl: http://127.0.0.1:8081/jwks.json
            issuer: https://login.example/
            audience: api://breakwater
        admin:
        """));
    assertThat(c.state().backend()).isEqualTo(StateConfig.Backend.REDIS);
    var redis = c.state().redis().orElseThrow();
    assertThat(redis.uris()).containsExactly("redis://10.0.0.5:6379");
    assertThat(redis.cluster()).isFalse();
    assertThat(redis.keyPrefix()).isEqualTo("fleet");
    assertThat(redis.commandTimeout()).isEqualTo(Duration.ofMillis(50));
    assertThat(redis.leaseTokens()).isEqualTo(10);
    assertThat(c.identity().tenantHeader()).isEqualTo("X-Org");
    assertThat(c.identity().userHeader()).isEqualTo("X-User-Id");
    JwtConfig jwt = c.identity().jwt().orElseThrow();
    assertThat(jwt.tenantClaim()).isEqualTo("tid");
    assertThat(jwt.userClaim()).isEqualTo("oid");
    assertThat(jwt.jwksCacheTtl()).isEqualTo(Duration.ofMinutes(10));
  }

  @Test
  void redisClusterTakesNodes() {
    GatewayConfig c = parse(BASE + """
        state:
          backend: redis
          redis:
            cluster: true
            nodes: [redis://10.0.0.5:7000, redis://10.0.0.6:7000]
        """);
    assertThat(c.state().redis().orElseThrow().uris()).hasSize(2);
    assertThat(c.state().redis().orElseThrow().cluster()).isTrue();
  }

  @Test
  void durationsInEverySpelling() {
    assertThat(Durations.parse("250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(Durations.parse("10s")).isEqualTo(Duration.ofSeconds(10));
    assertThat(Durations.parse("5m")).isEqualTo(Duration.ofMinutes(5));
    assertThat(Durations.parse("1h")).isEqualTo(Duration.ofHours(1));
    assertThat(Durations.parse("2d")).isEqualTo(Duration.ofDays(2));
    assertThat(Durations.parse("PT10S")).isEqualTo(Duration.ofSeconds(10));
    assertThat(Durations.parse("0")).isEqualTo(Duration.ZERO);
    assertThat(Durations.parse("10")).isNull();
    assertThat(Durations.parse("10 seconds")).isNull();
    assertThat(Durations.parse("99999999999999999d")).isNull();
    assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
    assertThat(Durations.humanize(">= baseDelay (PT0.1S) and PT48H")).isEqualTo(">= baseDelay (100ms) and 2d");
  }

  @Test
  void mergeKeysAreExpanded() {
    GatewayConfig c = parse(BASE.replace("""
          - path: /v1.0/me/messages
            methods: [GET]
            upstream: graph
            rateLimits: [per-tenant, per-user]
        """, """
          - &mail
            path: /v1.0/me/messages
            methods: [GET]
            upstream: graph
            rateLimits: [per-tenant, per-user]
          - <<: *mail
            path: /v1.0/me/events
        """));
    assertThat(c.routes()).hasSize(2);
    assertThat(c.routes().get(1).name()).isEqualTo("GET /v1.0/me/events");
    assertThat(c.routes().get(1).rateLimits()).containsExactly("per-tenant", "per-user");

    assertThat(problems(BASE.replace("admin:\n  token: 0123456789abcdef\n",
        "admin: &admin\n  token: 0123456789abcdef\n  <<: *admin\n")))
        .singleElement().asString().contains("admin.<<: a mapping that merges itself");
  }

  // ------------------------------------------------------------------------------------------------ environment

  @Test
  void environmentVariablesAreSubstituted() {
    String yaml = BASE.replace("token: 0123456789abcdef", "token: ${BW_ADMIN_TOKEN}")
        .replace("port: 8080", "port: ${PORT:-8081}");
    GatewayConfig c = ConfigLoader.withEnvironment(Map.of("BW_ADMIN_TOKEN", "from-the-environment")::get)
        .read(yaml, "gateway.yaml");
    assertThat(c.admin().token()).isEqualTo("from-the-environment");
    assertThat(c.server().port()).isEqualTo(8081);

    c = ConfigLoader.withEnvironment(Map.of("BW_ADMIN_TOKEN", "from-the-environment", "PORT", "9000")::get)
        .read(yaml, "gateway.yaml");
    assertThat(c.server().port()).isEqualTo(9000);

    // Set but empty: the default stands in, as in the shell.
    c = ConfigLoader.withEnvironment(Map.of("BW_ADMIN_TOKEN", "from-the-environment", "PORT", "")::get)
        .read(yaml, "gateway.yaml");
    assertThat(c.server().port()).isEqualTo(8081);
  }

  @Test
  void environmentReferencesInsideTextAndEscapes() {
    GatewayConfig c = ConfigLoader.withEnvironment(Map.of("SECRET", "abc")::get).read(BASE.replace(
        "token: 0123456789abcdef", "token: \"prefix-${SECRET}-$${NOT_A_VAR}-1234\""), "gateway.yaml");
    assertThat(c.admin().token()).isEqualTo("prefix-abc-${NOT_A_VAR}-1234");
  }

  @Test
  void unsetVariableWithoutDefaultNamesFileLineAndVariable() {
    assertThat(problems(BASE.replace("token: 0123456789abcdef", "token: ${BW_ADMIN_TOKEN}")))
        .containsExactly("gateway.yaml:4: admin.token: \"${BW_ADMIN_TOKEN}\" (expected: environment variable"
            + " BW_ADMIN_TOKEN to be set, or a default as in ${BW_ADMIN_TOKEN:-value})");
  }

  @Test
  void malformedReferences() {
    assertThat(problems(BASE.replace("token: 0123456789abcdef", "token: \"${1BAD}-0123456789abcdef\"")))
        .containsExactly("gateway.yaml:4: admin.token: \"${1BAD}\" (expected: ${NAME} or ${NAME:-default}, NAME"
            + " of letters, digits and _)");
    assertThat(problems(BASE.replace("token: 0123456789abcdef", "token: \"${OPEN-0123456789abcdef\"")))
        .containsExactly("gateway.yaml:4: admin.token: \"${OPEN-0123456789abcdef\" (expected: ${NAME} or"
            + " ${NAME:-default} closed by '}')");
  }

  // --------------------------------------------------------------------------------------------------- problems

  @Test
  void unknownKeyWithSuggestion() {
    assertThat(problems(BASE.replace("  port: 8080", "  prot: 8080")))
        .containsExactly("gateway.yaml:2: server.prot: unknown key (expected: one of [host, port, maxHeaderBytes,"
            + " maxBodyBytes, bufferBodyBytes, drainTimeout, requestHeadTimeout, idleTimeout,"
            + " maxConnectionsPerClient]; did you mean \"port\"?)");
    assertThat(problems(BASE + "extra: 1\n"))
        .containsExactly("gateway.yaml:30: extra: unknown key (expected: one of [server, admin, state, identity,"
            + " policies, upstreams, routes, slos, tracing, health, faults])");
    assertThat(problems(BASE.replace("graph: { failureRateThreshold: 50 }", "graph: { failureRate: 50 }")))
        .singleElement().asString().startsWith("gateway.yaml:11: policies.circuitBreakers.graph.failureRate:"
            + " unknown key (expected: one of [enabled, window, ");
  }

  @Test
  void wrongTypes() {
    assertThat(problems(BASE.replace("port: 8080", "port: eighty")))
        .containsExactly("gateway.yaml:2: server.port: \"eighty\" (expected: an integer in 0..65535)");
    assertThat(problems(BASE.replace("port: 8080", "port: 70000")))
        .containsExactly("gateway.yaml:2: server.port: 70000 (expected: an integer in 0..65535)");
    assertThat(problems(BASE.replace("methods: [GET]", "methods: GET")))
        .containsExactly("gateway.yaml:27: routes[0].methods: \"GET\" (expected: a list of HTTP methods such as"
            + " [GET, HEAD])");
    assertThat(problems(BASE.replace("methods: [GET]", "methods: [GET, get]")))
        .containsExactly("gateway.yaml:27: routes[0].methods[1]: \"get\" (expected: one of [GET, HEAD, POST, PUT,"
            + " PATCH, DELETE, OPTIONS]; did you mean \"GET\"?)");
    assertThat(problems(BASE.replace("server:\n  port: 8080\n", "server: [8080]\n")))
        .containsExactly("gateway.yaml:1: server: a list (expected: a mapping with keys [host, port, maxHeaderBytes,"
            + " maxBodyBytes, bufferBodyBytes, drainTimeout, requestHeadTimeout, idleTimeout,"
            + " maxConnectionsPerClient])");
    assertThat(problems(BASE + "state: { backend: redis, redis: { uri: redis://x, cluster: yes } }\n"))
        .containsExactly("gateway.yaml:30: state.redis.cluster: \"yes\" (expected: true or false)");
    assertThat(problems("- just\n- a list\n"))
        .containsExactly("gateway.yaml:1: a list (expected: a mapping with keys [server, admin, state, identity,"
            + " policies, upstreams, routes, slos, tracing, health, faults])");
  }

  @Test
  void badDuration() {
    assertThat(problems(BASE.replace("attempt: 5s", "attempt: 5 seconds")))
        .containsExactly("gateway.yaml:7: policies.timeouts.default.attempt: \"5 seconds\" (expected: a duration"
            + " such as 250ms, 1.5s, 10s, 5m, 1h, 2d or PT10S, at most 106751d)");
    assertThat(problems(BASE.replace("attempt: 5s", "attempt: 5")))
        .containsExactly("gateway.yaml:7: policies.timeouts.default.attempt: 5 (expected: a duration"
            + " such as 250ms, 1.5s, 10s, 5m, 1h, 2d or PT10S, at most 106751d)");
  }

  @Test
  void adminTokensHaveNamesAndTheSingleTokenIsNamedAdmin() {
    GatewayConfig c = ConfigLoader.parse(BASE.replace("  token: 0123456789abcdef\n", "  token: 0123456789abcdef\n"
        + "  tokens:\n    - { name: oncall, token: oncall-token-0123456789 }\n"), "gateway.yaml");
    assertThat(c.admin().tokens()).extracting(AdminConfig.AdminToken::name).containsExactly("admin", "oncall");
    assertThat(c.admin().tokens().toString()).doesNotContain("0123456789");
    GatewayConfig only = ConfigLoader.parse(BASE.replace("  token: 0123456789abcdef\n",
        "  tokens: [{ name: ci, token: ci-token-0123456789 }]\n"), "gateway.yaml");
    assertThat(only.admin().token()).isEqualTo("ci-token-0123456789");
  }

  @Test
  void badAdminTokensAreReportedAtTheirLineWithoutTheSecret() {
    assertThat(problems(BASE.replace("  token: 0123456789abcdef\n", "  token: 0123456789abcdef\n  tokens:\n"
        + "    - { name: admin, token: other-token-0123456789 }\n"
        + "    - { name: 'on call', token: short }\n"
        + "    - { name: ops, token: 0123456789abcdef }\n"
        + "    - { token: nameless-token-0123456789 }\n")))
        .containsExactly(
            "gateway.yaml:6: admin.tokens[0].name: \"admin\" (expected: a name no other token has; admin.token has it,"
                + " the name admin.token is logged under)",
            "gateway.yaml:7: admin.tokens[1].name: \"on call\" (expected: a name of letters, digits, '.', '_' and '-')",
            "gateway.yaml:7: admin.tokens[1].token: 5 characters (expected: at least 16 characters)",
            "gateway.yaml:8: admin.tokens[2].token: a token that admin.token has too (expected: a token of its own, so"
                + " its changes are logged under one name)",
            "gateway.yaml:9: admin.tokens[3].name: missing (expected: the name its changes are logged under, such as"
                + " oncall)");
  }

  @Test
  void missingRequired() {
    assertThat(problems(BASE.replace("  token: 0123456789abcdef\n", "  port: 9091\n")))
        .containsExactly("gateway.yaml:3: admin.token: missing (expected: the admin API's bearer token, at least 16"
            + " characters, such as ${BW_ADMIN_TOKEN}; or tokens, a list of {name, token})");
    assertThat(problems(BASE.replace("admin:\n  token: 0123456789abcdef\n", "")))
        .containsExactly("gateway.yaml:1: admin: missing (expected: a mapping with token, the admin API's bearer"
            + " token of at least 16 characters, such as ${BW_ADMIN_TOKEN}; or tokens, a list of {name, token})");
    assertThat(problems(BASE.replace("    endpoints: [http://127.0.0.1:9000]\n", "")))
        .containsExactly("gateway.yaml:20: upstreams.graph.endpoints: missing (expected: a list of http(s) base URLs"
            + " in priority order, such as [http://127.0.0.1:9000], or endpointGroups: [{ name: primary, endpoints:"
            + " [...] }])");
    assertThat(problems(BASE.replace("per-user: { scope: user, permits: 10, period: 1s }", "per-user: { scope: user }")))
        .containsExactly(
            "gateway.yaml:16: policies.rateLimits.per-user.permits: missing (expected: an integer)",
            "gateway.yaml:16: policies.rateLimits.per-user.period: missing (expected: a duration such as 250ms, 1.5s,"
                + " 10s, 5m, 1h, 2d or PT10S, at most 106751d)");
    assertThat(problems(BASE + "state:\n  backend: redis\n"))
        .containsExactly("gateway.yaml:30: state.redis: missing (expected: a mapping with uri (or cluster: true and"
            + " nodes) when backend is redis)");
  }

  @Test
  void aRouteInvalidatesOnlyRoutesWithACacheAndAnOldCacheCredentialedKeyStillLoads() {
    String routes = """
          cache: short
          name: messages
          cacheCredentialed: false
        - path: /v1.0/me/messages
          methods: [POST]
          upstream: graph
          invalidates: [%s]
      """;
    GatewayConfig c = parse(BASE + routes.formatted("messages"));
    assertThat(c.routes().get(1).invalidates()).containsExactly("messages");
    assertThat(c.routes().get(0).cacheCredentialed()).as("an explicit false still bypasses").isFalse();
    assertThat(parse(BASE).routes().get(0).cacheCredentialed()).as("the default").isTrue();
    assertThat(problems(BASE + routes.formatted("mesages")))
        .containsExactly("gateway.yaml:36: routes[1].invalidates[0]: \"mesages\" (expected: the name of a route with"
            + " a cache: one of [messages]; did you mean \"messages\"?)");
  }

  @Test
  void unknownPolicyReferenceListsTheNamesThereAre() {
    assertThat(problems(BASE.replace("rateLimits: [per-tenant, per-user]", "rateLimits: [per-tenat, per-user]")))
        .containsExactly("gateway.yaml:29: routes[0].rateLimits[0]: \"per-tenat\" (expected: one of [per-tenant,"
            + " per-user]; did you mean \"per-tenant\"?)");
    assertThat(problems(BASE.replace("retry: default", "retry: reads")))
        .containsExactly("gateway.yaml:23: upstreams.graph.retry: \"reads\" (expected: one of [default])");
    assertThat(problems(BASE.replace("upstream: graph", "upstream: grpah")))
        .containsExactly("gateway.yaml:28: routes[0].upstream: \"grpah\" (expected: one of [graph]; did you mean"
            + " \"graph\"?)");
    assertThat(problems(BASE + "    idempotency: writes\n"))
        .containsExactly("gateway.yaml:30: routes[0].idempotency: \"writes\" (expected: one of []; none are defined"
            + " under policies.idempotency)");
  }

  @Test
  void coreValidationIsReportedAtTheKey() {
    assertThat(problems(BASE.replace("failureRateThreshold: 50", "failureRateThreshold: 150")))
        .containsExactly("gateway.yaml:11: policies.circuitBreakers.graph.failureRateThreshold: 150 (expected: a"
            + " percentage in (0, 100])");
    assertThat(problems(BASE.replace("default: { maxAttempts: 3 }", "default: { baseDelay: 2s, maxDelay: 500ms }")))
        .containsExactly("gateway.yaml:9: policies.retries.default.maxDelay: \"500ms\" (expected: >= baseDelay"
            + " (2s))");
    assertThat(problems(BASE.replace("default: { maxAttempts: 3 }", "default: { baseDelay: 10s }")))
        .containsExactly("gateway.yaml:9: policies.retries.default.maxDelay: 5s, the default (expected: >="
            + " baseDelay (10s))");
    assertThat(problems(BASE.replace("default: { maxAttempts: 3 }", "default: { budget: { window: 1h } }")))
        .containsExactly("gateway.yaml:9: policies.retries.default.budget.window: \"1h\" (expected: between 1 s and"
            + " 10 min)");
    assertThat(problems(BASE.replace("mail: { maxConcurrent: 10 }", "mail: { maxConcurrent: 10, interactiveReserve: 10 }")))
        .containsExactly("gateway.yaml:13: policies.bulkheads.mail.interactiveReserve: 10 (expected: <"
            + " maxConcurrent (10))");
    assertThat(problems(BASE + "state: { backend: redis, redis: { uri: redis://x, keyPrefix: \"a{b\" } }\n"))
        .containsExactly("gateway.yaml:30: state.redis.keyPrefix: \"a{b\" (expected: a non-blank prefix without"
            + " '{')");
  }

  @Test
  void malformedYamlIsOneProblemAtTheParsersLine() {
    assertThat(problems("server:\n  port: 8080\n  host: [unclosed\nadmin:\n  token: x\n"))
        .singleElement().asString().startsWith("gateway.yaml:4: invalid YAML: ");
    assertThat(problems("server:\n  port: 8080\n bad: indentation\n"))
        .singleElement().asString().startsWith("gateway.yaml:3: invalid YAML: ");
    assertThat(problems("")).containsExactly("gateway.yaml: empty (expected: a mapping with keys [server, admin,"
        + " state, identity, policies, upstreams, routes, slos, tracing, health, faults])");
  }

  @Test
  void duplicateKeysAndNames() {
    assertThat(problems(BASE.replace("  port: 8080\n", "  port: 8080\n  port: 8081\n")))
        .containsExactly("gateway.yaml:3: server.port: duplicate key (expected: each key once; first at line 2)");
    assertThat(problems(BASE + """
          - path: /v1.0/me/messages
            methods: [GET]
            upstream: graph
        """)).containsExactly("gateway.yaml:30: routes[1].name: \"GET /v1.0/me/messages\", the default (expected: a"
            + " name no other route has (routes[0] at line 26 has it); set name)");
  }

  @Test
  void routeChecks() {
    assertThat(problems(BASE.replace("path: /v1.0/me/messages", "path: v1.0/me/messages")))
        .containsExactly("gateway.yaml:26: routes[0].path: \"v1.0/me/messages\" (expected: a path prefix starting"
            + " with '/', without spaces, query or fragment)");
    assertThat(problems(BASE.replace("path: /v1.0/me/messages", "pattern: ^/v1.0/me/messages(")))
        .singleElement().asString().startsWith("gateway.yaml:26: routes[0].pattern: \"^/v1.0/me/messages(\""
            + " (expected: a regular expression (Unclosed group");
    assertThat(problems(BASE.replace("path: /v1.0/me/messages", "path: /a\n    pattern: ^/b")))
        .containsExactly("gateway.yaml:27: routes[0].pattern: \"^/b\" (expected: either path or pattern, not both)");
    assertThat(problems(BASE.replace("methods: [GET]", "methods: [POST]\n    cache: short")))
        .containsExactly("gateway.yaml:28: routes[0].cache: \"short\" (expected: a route whose methods include GET"
            + " (only GET responses are cached))");
    assertThat(problems(BASE.replace("methods: [GET]", "methods: [GET]\n    defaultTenant: contoso\n"
        + "    tenantRequired: true"))).containsExactly("gateway.yaml:28: routes[0].defaultTenant: \"contoso\""
            + " (expected: no defaultTenant when tenantRequired is true (a default tenant means requests without one"
            + " are taken))");
    assertThat(problems(BASE.replace("routes:\n", "routes: []\nx:\n").replace("  - path", "  - y: 1\n    path")))
        .contains("gateway.yaml:25: routes: a list (expected: at least one route)");
  }

  @Test
  void adminChecks() {
    assertThat(problems(BASE.replace("token: 0123456789abcdef", "token: short-secret")))
        .containsExactly("gateway.yaml:4: admin.token: 12 characters (expected: at least 16 characters)")
        .noneMatch(p -> p.contains("short-secret"));
    assertThat(problems(BASE.replace("token: 0123456789abcdef", "token: 0123456789abcdef\n  port: 8080")))
        .containsExactly("gateway.yaml:5: admin.port: 8080 (expected: a port other than server.port (8080))");
  }

  @Test
  void urlChecksNeverEchoPasswords() {
    assertThat(problems(BASE.replace("endpoints: [http://127.0.0.1:9000]", "endpoints: [ftp://127.0.0.1:9000]")))
        .containsExactly("gateway.yaml:21: upstreams.graph.endpoints[0]: \"ftp://127.0.0.1:9000\" (expected: an"
            + " absolute http:// or https:// URL such as http://127.0.0.1:9000, without query or fragment)");
    assertThat(problems(BASE + "state: { backend: redis, redis: { uri: \"http://user:hunter2@10.0.0.5\" } }\n"))
        .containsExactly("gateway.yaml:30: state.redis.uri: \"http://***@10.0.0.5\" (expected: a URI starting with"
            + " redis://, rediss:// or redis-sentinel://)");
    assertThat(problems(BASE + "state: { backend: redis, redis: { nodes: [redis://a:1] } }\n"))
        .containsExactly("gateway.yaml:30: state.redis.nodes: a list (expected: nodes only with cluster: true (use"
            + " uri for a standalone or Sentinel Redis))");
  }

  @Test
  void memoryStateIgnoresRedisValuesButNotRedisKeys() {
    assertThat(parse(BASE + "state: { backend: memory, redis: { uri: \"${UNSET_REDIS_URI}\" } }\n").state())
        .isEqualTo(StateConfig.memory());
    assertThat(problems(BASE + "state: { backend: memory, redis: { url: redis://x } }\n"))
        .containsExactly("gateway.yaml:30: state.redis.url: unknown key (expected: one of [uri, cluster, nodes,"
            + " keyPrefix, commandTimeout, openDuration, failuresToOpen, idempotencyReplicas, replicaWait, heartbeat,"
            + " maxCacheValueBytes, leaseTokens, leaseTtl]; did you mean \"uri\"?)");
  }

  @Test
  void everyProblemIsReportedSortedByLine() {
    String yaml = BASE
        .replace("rateLimits: [per-tenant, per-user]", "rateLimits: [per-tenat, per-user]")   // line 29
        .replace("failureRateThreshold: 50", "failureRateThreshold: 150")                     // line 11
        .replace("  port: 8080", "  prot: 8080")                                              // line 2
        .replace("attempt: 5s", "attempt: soon")                                              // line 7
        .replace("retry: default", "retry: defualt");                                         // line 23
    ConfigProblems e = null;
    try {
      parse(yaml);
    } catch (ConfigProblems thrown) {
      e = thrown;
    }
    assertThat(e).isNotNull();
    assertThat(e.problems()).extracting(Problem::line).containsExactly(2, 7, 11, 23, 29);
    assertThat(e.problems()).extracting(Problem::path).containsExactly("server.prot",
        "policies.timeouts.default.attempt", "policies.circuitBreakers.graph.failureRateThreshold",
        "upstreams.graph.retry", "routes[0].rateLimits[0]");
    assertThat(e.getMessage().lines()).hasSize(5);
    assertThat(e.getMessage().lines().findFirst()).contains("gateway.yaml:2: server.prot: unknown key (expected:"
        + " one of [host, port, maxHeaderBytes, maxBodyBytes, bufferBodyBytes, drainTimeout, requestHeadTimeout,"
        + " idleTimeout, maxConnectionsPerClient]; did you mean \"port\"?)");
  }

  @Test
  void aPolicyWithProblemsDoesNotCascadeIntoReferenceProblems() {
    assertThat(problems(BASE.replace("mail: { maxConcurrent: 10 }", "mail: { maxConcurrent: -1 }")
        + "    bulkhead: mail\n"))
        .containsExactly("gateway.yaml:13: policies.bulkheads.mail.maxConcurrent: -1 (expected: >= 1)");
  }

  // ------------------------------------------------------------------------------------------------------ files

  @Test
  void loadReadsAFileAndNamesItInProblems(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("gw.yaml");
    Files.writeString(file, BASE);
    assertThat(ConfigLoader.load(file).source()).isEqualTo(file);

    Files.writeString(file, BASE.replace("port: 8080", "port: x"));
    assertThatThrownBy(() -> ConfigLoader.load(file)).isInstanceOf(ConfigProblems.class)
        .hasMessage(file + ":2: server.port: \"x\" (expected: an integer in 0..65535)");

    assertThatThrownBy(() -> ConfigLoader.load(dir.resolve("missing.yaml"))).isInstanceOf(ConfigProblems.class)
        .hasMessage(dir.resolve("missing.yaml") + ": no such file (expected: a readable YAML file)");
  }

  @Test
  void aRouteMayOverrideItsUpstreamsTimeoutAndRetryPolicy() {
    GatewayConfig c = parse(BASE.replace("    default: { maxAttempts: 3 }\n",
        "    default: { maxAttempts: 3 }\n    tool: { maxAttempts: 2, jitter: 10% }\n")
        .replace("    default: { attempt: 5s, deadline: 20s }\n",
            "    default: { attempt: 5s, deadline: 20s }\n    search: { attempt: 3s, deadline: 15s }\n") + """
          - { path: /v1.0/search, upstream: graph, timeout: search, retry: tool }
        """);
    RouteConfig r = c.routes().get(1);
    assertThat(c.pipelineConfig(r).timeout()).isEqualTo("search");
    assertThat(c.pipelineConfig(r).retry()).isEqualTo("tool");
    assertThat(c.pipelineConfig(r).circuitBreaker()).as("the upstream's breaker stays shared").isEqualTo("graph");
    assertThat(c.pipelineConfig(c.routes().get(0)).timeout()).isEqualTo("default");
    assertThat(c.policies().retry("tool").jitter()).isEqualTo(dev.breakwater.retry.Jitter.proportional(0.1));
  }

  @Test
  void aJitterThatIsNeitherFullNorAPercentageNamesTheFix() {
    assertThat(problems(BASE.replace("default: { maxAttempts: 3 }", "default: { maxAttempts: 3, jitter: wild }")))
        .containsExactly("gateway.yaml:9: policies.retries.default.jitter: \"wild\" (expected: full, or a"
            + " proportional spread around the delay such as 10% (more than 0, at most 100))");
    assertThat(problems(BASE + """
          - { path: /v1.0/search, upstream: graph, timeout: slow }
        """)).containsExactly("gateway.yaml:30: routes[1].timeout: \"slow\" (expected: one of [default])");
  }

  @Test
  void aDurationBeyondTheEnginesNanosecondClockIsAProblemNotACrash() {
    // 300000 days overflows a long of nanoseconds: the rate limit's own check threw ArithmeticException.
    assertThat(problems(BASE.replace("per-user: { scope: user, permits: 10, period: 1s }",
        "per-user: { scope: user, permits: 10, period: 300000d }")))
        .containsExactly("gateway.yaml:16: policies.rateLimits.per-user.period: \"300000d\" (expected: "
            + Durations.EXPECTED + ")");
  }

  // ---------------------------------------------------------------------------------------------------- tracing

  @Test
  void withoutATracingSectionTracingIsOff() {
    assertThat(parse(BASE).tracing()).isNull();
  }

  @Test
  void aTracingSectionNeedsOnlyItsEndpointAndDefaultsTheRest() {
    TracingConfig t = parse(BASE + "tracing: { otlpEndpoint: 'http://127.0.0.1:4318/v1/traces' }\n").tracing();
    assertThat(t.otlpEndpoint()).hasToString("http://127.0.0.1:4318/v1/traces");
    assertThat(t.sampleRatio()).isEqualTo(0.01);
    assertThat(t.serviceName()).isEqualTo("breakwater");

    TracingConfig all = parse(BASE + "tracing: { otlpEndpoint: 'https://collector:4318/v1/traces', sampleRatio: 1,"
        + " serviceName: edge }\n").tracing();
    assertThat(all.sampleRatio()).isEqualTo(1.0);
    assertThat(all.serviceName()).isEqualTo("edge");
  }

  @Test
  void aTracingSectionWithAWrongEndpointOrRatioIsAProblemAtItsLine() {
    assertThat(problems(BASE + "tracing: { sampleRatio: 0.5 }\n"))
        .containsExactly("gateway.yaml:30: tracing.otlpEndpoint: missing (expected: an http or https URL such as"
            + " http://127.0.0.1:4318/v1/traces)");
    assertThat(problems(BASE + "tracing: { otlpEndpoint: 'grpc://collector:4317' }\n"))
        .containsExactly("gateway.yaml:30: tracing.otlpEndpoint: \"grpc://collector:4317\" (expected: an http or"
            + " https URL such as http://127.0.0.1:4318/v1/traces)");
    assertThat(problems(BASE + "tracing: { otlpEndpoint: 'http://127.0.0.1:4318/v1/traces', sampleRatio: 2 }\n"))
        .containsExactly("gateway.yaml:30: tracing.sampleRatio: 2 (expected: a number from 0 to 1, such as 0.01)");
  }
}
