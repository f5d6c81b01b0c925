package dev.breakwater.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.breakwater.gateway.config.ConfigLoader;
import dev.breakwater.redis.RedisState;
import dev.breakwater.redis.RedisStateConfig;
import dev.breakwater.redis.testing.RedisExtension;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A gateway that cannot start says why and leaves nothing behind: no Redis connection, no heartbeat. */
class FailedStartTest {
  @RegisterExtension
  static final RedisExtension REDIS = RedisExtension.standalone();

  @Test
  void aGatewayWhosePortIsTakenFailsClearlyAndIsNotCountedAsALiveInstance() throws Exception {
    REDIS.flushAll();
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      String yaml = String.join("\n",
          "server: { host: 127.0.0.1, port: " + taken.getLocalPort() + " }",
          "admin: { port: 0, token: failed-start-token-0123456789 }",
          "state:",
          "  backend: redis",
          "  redis: { uri: '" + REDIS.uri() + "', heartbeat: 100ms }",
          "upstreams:",
          "  graph: { endpoints: [ 'http://127.0.0.1:9' ] }",
          "routes:",
          "  - { name: all, path: /, upstream: graph }",
          "");
      assertThatThrownBy(() -> Gateway.start(ConfigLoader.parse(yaml, "taken.yaml")))
          .hasMessageContaining("could not listen on 127.0.0.1:" + taken.getLocalPort());
    }
    // Another instance on the same Redis counts the live instances over three heartbeats: only itself, once the
    // failed gateway's heartbeats (if it had left any) would have been seen.
    try (RedisState probe = RedisState.connect(RedisStateConfig.standalone(REDIS.uri())
        .withHeartbeat(Duration.ofMillis(100)))) {
      Thread.sleep(1_000);
      assertThat(probe.health().liveInstances()).isEqualTo(1);
    }
  }
}
