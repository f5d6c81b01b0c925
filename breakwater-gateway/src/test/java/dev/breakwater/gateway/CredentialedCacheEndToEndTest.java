package dev.breakwater.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.gateway.config.ConfigLoader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Credentialed GETs through a real gateway in front of an upstream that counts what reaches it: a private entry is
 * served only to the tenant, user and token that filled it; a write invalidates what it names for its tenant and user;
 * operators flush by route, tenant or version with counts; a version bump on reload orphans every old entry.
 */
@org.junit.jupiter.api.extension.ExtendWith(LeakDetection.class)
class CredentialedCacheEndToEndTest {
  static final String TOKEN = "cache-test-token-0123456789";

  @TempDir
  Path dir;
  private CountingUpstream upstream;
  private Gateway gateway;
  private Path file;
  private final HttpClient http = HttpClient.newHttpClient();

  static String yaml(int upstreamPort, String version, String state) {
    return String.join("\n",
        "server: { port: 0 }",
        "admin: { port: 0, token: " + TOKEN + " }",
        state,
        "policies:",
        "  caches:",
        "    private: { ttl: 5m, version: " + version + " }",
        "upstreams:",
        "  graph:",
        "    endpoints: [ 'http://127.0.0.1:" + upstreamPort + "' ]",
        "routes:",
        "  - { name: folders, path: /v1.0/me/mailFolders, methods: [GET], upstream: graph, cache: private }",
        "  - { name: create-folder, path: /v1.0/me/mailFolders, methods: [POST], upstream: graph,"
            + " invalidates: [folders] }",
        "  - { name: calendars, path: /v1.0/me/calendars, methods: [GET], upstream: graph, cache: private }",
        "  - { name: organization, path: /v1.0/organization, methods: [GET], upstream: graph, cache: private,"
            + " cacheShared: true }",
        "");
  }

  @BeforeEach
  void start() throws Exception {
    upstream = new CountingUpstream();
    file = dir.resolve("gateway.yaml");
    Files.writeString(file, yaml(upstream.port(), "v1", ""));
    gateway = Gateway.start(ConfigLoader.load(file));
  }

  @AfterEach
  void stop() {
    gateway.close();
    upstream.close();
  }

  private HttpResponse<String> get(String path, String tenant, String user, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
        .header("X-Tenant-Id", tenant).header("X-User-Id", user);
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String path, String tenant, String user, String token, String status)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
        .header("X-Tenant-Id", tenant).header("X-User-Id", user).header("Authorization", "Bearer " + token)
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}"));
    if (status != null) {
      b.header("X-Test-Status", status);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> flush(String query) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort()
        + "/admin/cache/flush" + query)).header("Authorization", "Bearer " + TOKEN)
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static boolean fromCache(HttpResponse<String> r) {
    return r.headers().firstValue("X-Breakwater-Source").map("cache"::equals).orElse(false);
  }

  @Test
  void aCredentialedReadIsCachedAndServedOnlyToTheSameTenantUserAndToken() throws Exception {
    HttpResponse<String> first = get("/v1.0/me/mailFolders", "contoso", "alice", "token-X");
    HttpResponse<String> again = get("/v1.0/me/mailFolders", "contoso", "alice", "token-X");
    assertThat(fromCache(again)).as("same tenant, user and token: a hit").isTrue();
    assertThat(again.body()).isEqualTo(first.body());
    assertThat(upstream.calls).hasValue(1);

    assertThat(fromCache(get("/v1.0/me/mailFolders", "contoso", "alice", "token-Y"))).as("another token").isFalse();
    assertThat(fromCache(get("/v1.0/me/mailFolders", "contoso", "bob", "token-X"))).as("another user").isFalse();
    assertThat(fromCache(get("/v1.0/me/mailFolders", "fabrikam", "alice", "token-X"))).as("another tenant")
        .isFalse();
    assertThat(fromCache(get("/v1.0/me/mailFolders", "contoso", "alice", null))).as("no token").isFalse();
    assertThat(upstream.calls).hasValue(5);
  }

  @Test
  void aTenantAndUserWhoseIdsSplitOnAColonTheOtherWayAreNeverServedEachOthersEntry() throws Exception {
    get("/v1.0/me/mailFolders", "tA", "z:u", "token-X");
    assertThat(fromCache(get("/v1.0/me/mailFolders", "tA:z", "u", "token-X"))).isFalse();
    assertThat(upstream.calls).hasValue(2);
  }

  @Test
  void aSharedRouteServesEveryUserOfTheTenantButNoOtherTenant() throws Exception {
    get("/v1.0/organization", "contoso", "alice", "token-X");
    assertThat(fromCache(get("/v1.0/organization", "contoso", "bob", "token-Y"))).isTrue();
    assertThat(fromCache(get("/v1.0/organization", "fabrikam", "alice", "token-X"))).isFalse();
  }

  @Test
  void aSuccessfulWriteSendsItsUsersNextReadUpstreamAndLeavesOtherUsersAndTenantsCached() throws Exception {
    get("/v1.0/me/mailFolders", "contoso", "alice", "token-X");
    get("/v1.0/me/mailFolders", "contoso", "alice", "token-Y");
    get("/v1.0/me/mailFolders", "contoso", "bob", "token-B");
    get("/v1.0/me/mailFolders", "fabrikam", "alice", "token-X");
    get("/v1.0/me/calendars", "contoso", "alice", "token-X");

    assertThat(post("/v1.0/me/mailFolders", "contoso", "alice", "token-X", null).statusCode()).isEqualTo(201);

    assertThat(fromCache(get("/v1.0/me/mailFolders", "contoso", "alice", "token-X"))).as("the writer's entry")
        .isFalse();
    assertThat(fromCache(get("/v1.0/me/mailFolders", "contoso", "alice", "token-Y")))
        .as("the writer's entry under another token").isFalse();
    assertThat(fromCache(get("/v1.0/me/mailFolders", "contoso", "bob", "token-B"))).as("another user").isTrue();
    assertThat(fromCache(get("/v1.0/me/mailFolders", "fabrikam", "alice", "token-X"))).as("another tenant")
        .isTrue();
    assertThat(fromCache(get("/v1.0/me/calendars", "contoso", "alice", "token-X"))).as("a route not named")
        .isTrue();
  }

  @Test
  void aFailedWriteInvalidatesNothing() throws Exception {
    get("/v1.0/me/mailFolders", "contoso", "alice", "token-X");
    assertThat(post("/v1.0/me/mailFolders", "contoso", "alice", "token-X", "409").statusCode()).isEqualTo(409);
    assertThat(fromCache(get("/v1.0/me/mailFolders", "contoso", "alice", "token-X"))).isTrue();
  }

  @Test
  void anOperatorFlushesByRouteAndTenantByRouteByTenantAndByVersionAndIsToldHowManyKeysWent() throws Exception {
    get("/v1.0/me/mailFolders", "contoso", "alice", "token-X");
    get("/v1.0/me/mailFolders", "contoso", "bob", "token-B");
    get("/v1.0/me/mailFolders", "fabrikam", "alice", "token-X");
    get("/v1.0/me/calendars", "contoso", "alice", "token-X");
    get("/v1.0/me/calendars", "fabrikam", "alice", "token-X");

    HttpResponse<String> routeAndTenant = flush("?route=folders&tenant=contoso");
    assertThat(routeAndTenant.statusCode()).isEqualTo(200);
    assertThat(routeAndTenant.body()).contains("\"route\":\"folders\"", "\"tenant\":\"contoso\"",
        "\"keys_removed\":2");
    assertThat(fromCache(get("/v1.0/me/mailFolders", "fabrikam", "alice", "token-X"))).isTrue();
    assertThat(flush("?route=folders").body()).contains("\"keys_removed\":1");
    assertThat(flush("?tenant=contoso").body()).contains("\"keys_removed\":1");
    assertThat(fromCache(get("/v1.0/me/calendars", "fabrikam", "alice", "token-X"))).isTrue();
    assertThat(flush("?version=v1").body()).contains("\"keys_removed\":1");
    assertThat(flush("?version=v1").body()).contains("\"keys_removed\":0");

    String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort()
        + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
    assertThat(metrics).contains("breakwater_cache_flushed_keys_total{route=\"folders\"} 3.0")
        .contains("breakwater_cache_flushed_keys_total{route=\"*\"} 2.0").doesNotContain("contoso");
  }

  @Test
  void aFlushThatNamesNothingOrAnUncachedRouteIsA400ProblemAndWithoutTheTokenA401() throws Exception {
    HttpResponse<String> nothing = flush("");
    assertThat(nothing.statusCode()).isEqualTo(400);
    assertThat(nothing.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v)
        .startsWith("application/problem+json"));
    assertThat(nothing.body()).contains("route, tenant or version");
    HttpResponse<String> uncached = flush("?route=create-folder");
    assertThat(uncached.statusCode()).isEqualTo(400);
    assertThat(uncached.body()).contains("a route with a cache");
    assertThat(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort()
        + "/admin/cache/flush?version=v1")).POST(HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
  }

  @Test
  void aCacheVersionBumpOnReloadSendsTheNextReadUpstreamAndTheOldVersionCanBeFlushed() throws Exception {
    get("/v1.0/me/mailFolders", "contoso", "alice", "token-X");
    assertThat(fromCache(get("/v1.0/me/mailFolders", "contoso", "alice", "token-X"))).isTrue();

    Files.writeString(file, yaml(upstream.port(), "v2", ""));
    assertThat(gateway.reload()).isEmpty();

    assertThat(fromCache(get("/v1.0/me/mailFolders", "contoso", "alice", "token-X"))).as("after the bump").isFalse();
    assertThat(upstream.calls).hasValue(2);
    assertThat(fromCache(get("/v1.0/me/mailFolders", "contoso", "alice", "token-X"))).as("v2's own entry").isTrue();
    assertThat(flush("?version=v1").body()).contains("\"keys_removed\":1");
    assertThat(fromCache(get("/v1.0/me/mailFolders", "contoso", "alice", "token-X"))).as("v2 untouched").isTrue();
  }
}
