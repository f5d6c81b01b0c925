package dev.breakwater.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.gateway.config.ConfigLoader;
import dev.breakwater.redis.testing.RedisExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two gateways sharing a real redis-server: a private entry one filled is served by the other only to the same token;
 * a write through one sends the other's next read upstream; an operator's flush through one counts the Redis keys it
 * removed and empties the other's L1 too.
 */
@org.junit.jupiter.api.extension.ExtendWith(LeakDetection.class)
class CacheFleetTest {
  @RegisterExtension
  static final RedisExtension REDIS = RedisExtension.standalone();

  private CountingUpstream upstream;
  private final List<Gateway> fleet = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() {
    REDIS.flushAll();
    upstream = new CountingUpstream();
    String yaml = CredentialedCacheEndToEndTest.yaml(upstream.port(), "v1", String.join("\n", "state:",
        "  backend: redis", "  redis: { uri: '" + REDIS.uri() + "', commandTimeout: 1s }"));
    for (int i = 0; i < 2; i++) {
      fleet.add(Gateway.start(ConfigLoader.parse(yaml, "fleet.yaml")));
    }
  }

  @AfterEach
  void stop() {
    fleet.forEach(Gateway::close);
    upstream.close();
  }

  private HttpResponse<String> send(Gateway g, String method, String tenant, String user, String token)
      throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.port() + "/v1.0/me/mailFolders"))
        .header("X-Tenant-Id", tenant).header("X-User-Id", user).header("Authorization", "Bearer " + token)
        .header("Content-Type", "application/json")
        .method(method, method.equals("GET") ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
  }

  private boolean fromCache(Gateway g, String tenant, String user, String token) throws Exception {
    return send(g, "GET", tenant, user, token).headers().firstValue("X-Breakwater-Source").map("cache"::equals)
        .orElse(false);
  }

  /** Polls a read until it goes upstream: another instance's L1 is dropped by a pub/sub message, asynchronously. */
  private void eventuallyUpstream(Gateway g, String tenant, String user, String token) throws Exception {
    for (int i = 0; i < 200 && fromCache(g, tenant, user, token); i++) {
      Thread.sleep(10);
    }
    assertThat(fromCache(g, tenant, user, token)).as("after its upstream read, cached again").isTrue();
  }

  @Test
  void anEntryFilledThroughOneGatewayIsServedByTheOtherOnlyToTheSameToken() throws Exception {
    send(fleet.get(0), "GET", "contoso", "alice", "token-X");
    boolean hit = false;
    for (int i = 0; i < 200 && !hit; i++) { // the put to Redis is fire-and-forget
      hit = fromCache(fleet.get(1), "contoso", "alice", "token-X");
    }
    assertThat(hit).isTrue();
    assertThat(fromCache(fleet.get(1), "contoso", "alice", "token-Y")).isFalse();
    assertThat(fromCache(fleet.get(1), "contoso", "bob", "token-X")).isFalse();
  }

  @Test
  void aWriteThroughOneGatewaySendsTheWritersNextReadThroughTheOtherUpstream() throws Exception {
    fromCache(fleet.get(0), "contoso", "alice", "token-X");
    fromCache(fleet.get(0), "contoso", "bob", "token-B");
    assertThat(fromCache(fleet.get(0), "contoso", "alice", "token-X")).isTrue();
    assertThat(send(fleet.get(1), "POST", "contoso", "alice", "token-X").statusCode()).isEqualTo(201);
    int before = upstream.calls.get();
    eventuallyUpstream(fleet.get(0), "contoso", "alice", "token-X");
    assertThat(upstream.calls.get()).isEqualTo(before + 1);
    assertThat(fromCache(fleet.get(0), "contoso", "bob", "token-B")).as("another user").isTrue();
  }

  @Test
  void aFlushThroughOneGatewayCountsTheRedisKeysAndEmptiesTheOthersL1() throws Exception {
    for (String user : List.of("alice", "bob", "carol")) {
      fromCache(fleet.get(0), "contoso", user, "token-" + user);
    }
    fromCache(fleet.get(0), "fabrikam", "alice", "token-alice");
    assertThat(fromCache(fleet.get(1), "fabrikam", "alice", "token-alice")).isTrue();
    HttpResponse<String> flushed = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + fleet.get(1).adminPort() + "/admin/cache/flush?route=folders&tenant=contoso"))
        .header("Authorization", "Bearer " + CredentialedCacheEndToEndTest.TOKEN)
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(flushed.statusCode()).isEqualTo(200);
    assertThat(flushed.body()).contains("\"keys_removed\":3");
    eventuallyUpstream(fleet.get(0), "contoso", "carol", "token-carol");
    assertThat(fromCache(fleet.get(0), "fabrikam", "alice", "token-alice")).isTrue();
    HttpResponse<String> byVersion = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + fleet.get(0).adminPort() + "/admin/cache/flush?version=v1"))
        .header("Authorization", "Bearer " + CredentialedCacheEndToEndTest.TOKEN)
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(byVersion.body()).contains("\"keys_removed\":2"); // fabrikam's, and carol's new one
  }
}
