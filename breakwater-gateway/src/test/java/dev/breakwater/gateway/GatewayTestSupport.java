package dev.breakwater.gateway;

import dev.breakwater.gateway.config.ConfigLoader;
import dev.breakwater.gateway.config.GatewayConfig;
import dev.breakwater.simulator.Simulator;
import dev.breakwater.simulator.SimulatorConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A simulator and a gateway on loopback ports, with a small config, for end-to-end tests. */
final class GatewayTestSupport implements AutoCloseable {
  static final String TOKEN = "test-admin-token-0123456789";

  final Simulator simulator;
  final Gateway gateway;
  // HTTP/1.1: the tests' subject is the proxy's behaviour, not the JDK client's h2c upgrade (decision 0022 covers h2).
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();

  GatewayTestSupport(SimulatorConfig sim, String routesYaml, String policiesYaml) {
    this.simulator = Simulator.start(sim.withPort(0));
    String yaml = String.join("\n",
        "server:",
        "  port: 0",
        "  maxHeaderBytes: 8192",
        "  maxBodyBytes: 65536",
        "  drainTimeout: 2s",
        "admin:",
        "  port: 0",
        "  token: " + TOKEN,
        "policies:",
        policiesYaml,
        "upstreams:",
        "  graph:",
        "    endpoints:",
        "      - http://127.0.0.1:" + simulator.port(),
        "    timeout: t",
        "    retry: r",
        "    circuitBreaker: cb",
        "    throttleGate: true",
        "routes:",
        routesYaml);
    GatewayConfig config = ConfigLoader.parse(yaml, "test-gateway.yaml");
    this.gateway = Gateway.start(config);
  }

  static String defaultPolicies() {
    return String.join("\n",
        "  timeouts:",
        "    t: { attempt: 2s, deadline: 5s }",
        "  retries:",
        "    r: { maxAttempts: 3, baseDelay: 10ms, maxDelay: 50ms, maxRetryAfter: 3s }",
        "  circuitBreakers:",
        "    cb: { windowSize: 20, minimumCalls: 10, failureRateThreshold: 50, openDuration: 30s }",
        "  rateLimits:",
        "    per-tenant: { scope: tenant, permits: 1000, period: 1s, burst: 1000 }",
        "    tiny: { scope: tenant, permits: 2, period: 1m, burst: 2 }",
        "  idempotency:",
        "    default: { ttl: 30m, lease: 10s }",
        "  caches:",
        "    short: { ttl: 30s, staleIfError: 5m }");
  }

  HttpResponse<String> get(String path, String tenant) throws Exception {
    return send(HttpRequest.newBuilder(uri(path)).header("X-Tenant-Id", tenant).GET());
  }

  HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
    return http.send(b.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + gateway.port() + path);
  }

  URI admin(String path) {
    return URI.create("http://127.0.0.1:" + gateway.adminPort() + path);
  }

  @Override
  public void close() {
    gateway.close();
    simulator.close();
  }
}
