package dev.breakwater.gateway;

import static dev.breakwater.gateway.GatewayEndToEndTest.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.gateway.config.ConfigLoader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Operators' drills through the admin API against a real upstream: started with a JSON body, listed, ended early or
 * by their expiry; a malformed body is a 400 naming the field, and changes nothing.
 */
@ExtendWith(LeakDetection.class)
class FaultDrillAdminTest {
  private final CountingUpstream upstream = new CountingUpstream();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private Gateway gateway;

  @BeforeEach
  void start() {
    gateway = Gateway.start(ConfigLoader.parse(String.join("\n",
        "server: { port: 0, drainTimeout: 1s }",
        "admin: { port: 0, token: " + GatewayTestSupport.TOKEN + " }",
        "policies:",
        "  timeouts: { t: { attempt: 2s, deadline: 5s } }",
        "  retries: { r: { maxAttempts: 2, baseDelay: 10ms, maxDelay: 20ms, maxRetryAfter: 1s } }",
        "upstreams:",
        "  app: { endpoints: [ 'http://127.0.0.1:" + upstream.port() + "' ], timeout: t, retry: r }",
        "routes:",
        "  - { name: items, path: /items, upstream: app, operation: items }",
        "faults:",
        "  from-file: { route: items, kind: error, status: 500, header: { name: X-Drill, value: file } }"),
        "fault-admin-test.yaml"));
  }

  @AfterEach
  void stop() {
    gateway.close();
    upstream.close();
  }

  private HttpResponse<String> admin(String method, String path, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort() + path))
        .header("Authorization", "Bearer " + GatewayTestSupport.TOKEN).header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String tenant) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/items"))
        .header("X-Tenant-Id", tenant).timeout(Duration.ofSeconds(20)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void anOperatorStartsADrillOnATestTenantListsItAndEndsIt() throws Exception {
    HttpResponse<String> started = admin("POST", "/admin/faults",
        "{\"upstream\":\"app\",\"kind\":\"abort\",\"tenant\":\"test-tenant\",\"duration\":\"5m\"}");
    assertThat(started.statusCode()).as(started.body()).isEqualTo(201);
    assertThat(started.body()).contains("\"id\":\"upstream:app\"", "\"origin\":\"operator\"", "\"kind\":\"abort\"",
        "\"tenant\":\"test-tenant\"", "\"duration\":\"5m\"", "\"expires_at\":\"");

    assertProblem(get("test-tenant"), 502, "UPSTREAM_ERROR");
    assertThat(get("customer").statusCode()).isEqualTo(200);
    assertThat(upstream.calls.get()).isEqualTo(1);

    HttpResponse<String> listed = admin("GET", "/admin/faults", null);
    assertThat(listed.statusCode()).isEqualTo(200);
    assertThat(listed.body()).startsWith("{\"faults\":[{\"id\":\"from-file\",\"origin\":\"config\",\"route\":\"items\"")
        .contains("{\"id\":\"upstream:app\",\"origin\":\"operator\",\"upstream\":\"app\"");

    assertThat(admin("DELETE", "/admin/faults/upstream:app", null).body())
        .isEqualTo("{\"id\":\"upstream:app\",\"ended\":true}");
    assertThat(get("test-tenant").statusCode()).isEqualTo(200);
    assertThat(admin("GET", "/admin/faults", null).body()).doesNotContain("upstream:app");
    assertProblem(admin("DELETE", "/admin/faults/upstream:app", null), 404, "INVALID_REQUEST");
    assertProblem(admin("DELETE", "/admin/faults/from-file", null), 404, "INVALID_REQUEST");
  }

  @Test
  void aDrillEndsByItselfAtItsExpiry() throws Exception {
    assertThat(admin("POST", "/admin/faults", "{\"route\":\"items\",\"kind\":\"error\",\"duration\":\"1s\"}")
        .statusCode()).isEqualTo(201);
    assertProblem(get("t"), 502, "UPSTREAM_ERROR");
    long until = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (admin("GET", "/admin/faults", null).body().contains("route:items") && System.nanoTime() < until) {
      Thread.sleep(100);
    }
    assertThat(admin("GET", "/admin/faults", null).body()).doesNotContain("route:items");
    assertThat(get("t").statusCode()).isEqualTo(200);
  }

  @Test
  void aMalformedBodyIsRefusedNamingTheFieldAndChangesNothing() throws Exception {
    refused("{\"upstream\":\"app\",", "body: not a JSON object");
    refused("[1]", "body: not a JSON object");
    refused("", "body: empty (expected: a JSON object with keys [route, upstream, kind, delay, status, retryAfter,"
        + " percent, tenant, header, duration])");
    refused("{\"upstream\":\"app\",\"kind\":\"abort\",\"tenat\":\"t\"}",
        "tenat: present (expected: one of the keys [route");
    refused("{\"kind\":\"abort\"}", "route: null (expected: exactly one of route (a route's name) and upstream");
    refused("{\"route\":\"itms\",\"kind\":\"abort\"}",
        "route: \\\"itms\\\" (expected: the name of a route: one of [items])");
    refused("{\"upstream\":\"app\",\"kind\":\"crash\"}",
        "kind: \\\"crash\\\" (expected: one of [delay, error, throttle, abort])");
    refused("{\"upstream\":\"app\",\"kind\":\"abort\",\"delay\":\"2s\"}",
        "delay: 2s (expected: no delay: it applies to kind delay only)");
    refused("{\"upstream\":\"app\",\"kind\":\"delay\",\"delay\":\"soon\"}", "delay: \\\"soon\\\" (expected: a duration");
    refused("{\"upstream\":\"app\",\"kind\":\"abort\",\"percent\":\"10\"}", "percent: \\\"10\\\" (expected: a number)");
    refused("{\"upstream\":\"app\",\"kind\":\"error\",\"status\":500.5}", "status: 500.5 (expected: an HTTP error");
    refused("{\"upstream\":\"app\",\"kind\":\"error\",\"status\":4294967796}",
        "status: 4294967796 (expected: an HTTP error");
    refused("{\"upstream\":\"app\",\"kind\":\"abort\",\"duration\":\"2h\"}",
        "duration: 2h (expected: a positive duration of at most 1h");
    refused("{\"upstream\":\"app\",\"kind\":\"abort\",\"header\":{\"name\":\"X-Drill\"}}",
        "header.value: null (expected: a value of visible ASCII characters)");
    assertThat(admin("GET", "/admin/faults", null).body()).doesNotContain("\"origin\":\"operator\"");
  }

  private void refused(String body, String detail) throws Exception {
    HttpResponse<String> r = admin("POST", "/admin/faults", body);
    assertProblem(r, 400, "INVALID_REQUEST");
    assertThat(r.body()).as(body).contains("\"detail\":\"" + detail);
  }
}
