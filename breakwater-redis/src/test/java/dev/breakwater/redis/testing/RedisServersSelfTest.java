package dev.breakwater.redis.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Checks the Redis test fixtures themselves: start, chaos (kill -9, restart, failover) and clean-up. */
class RedisServersSelfTest {
  @RegisterExtension
  static final RedisExtension CLUSTER = RedisExtension.cluster();

  @Test
  void standaloneServerAnswersDiesOnKill9AndComesBackOnTheSamePort() throws Exception {
    RedisServer server = RedisServer.start();
    Path dir = server.dir();
    long restartedPid;
    try {
      int port = server.port();
      assertThat(port).isNotEqualTo(6379);
      assertThat(server.uri()).isEqualTo("redis://127.0.0.1:" + port);
      assertThat(rawPing(port)).isEqualTo("+PONG");
      assertThat(server.call("SET", "k", "v")).isEqualTo("OK");
      long firstPid = server.pid();
      assertThat(ProcessHandle.of(firstPid)).isPresent();

      server.kill9();

      assertThat(server.isRunning()).isFalse();
      assertThat(ProcessHandle.of(firstPid).map(ProcessHandle::isAlive)).isNotEqualTo(Optional.of(true));
      assertThatThrownBy(() -> rawPing(port)).isInstanceOf(IOException.class);
      assertThat(server.ping()).isFalse();

      server.restart();

      assertThat(server.port()).isEqualTo(port);
      restartedPid = server.pid();
      assertThat(restartedPid).isNotEqualTo(firstPid);
      assertThat(rawPing(port)).isEqualTo("+PONG");
      assertThat(server.call("GET", "k")).as("nothing is persisted across a restart").isNull();
    } finally {
      server.stop();
    }
    assertThat(dir).doesNotExist();
    assertThat(ProcessHandle.of(restartedPid).map(ProcessHandle::isAlive)).isNotEqualTo(Optional.of(true));
  }

  @Test
  void clusterIsOkAndFailsOverWhenAMasterIsKilled() {
    RedisCluster cluster = CLUSTER.redisCluster();
    assertThat(cluster.nodes()).hasSize(6);
    Set<Integer> ports = new HashSet<>();
    cluster.nodes().forEach(n -> ports.add(n.port()));
    assertThat(ports).hasSize(6).doesNotContain(6379);
    assertThat(CLUSTER.uri()).isEqualTo(cluster.seedUri()).isEqualTo(cluster.nodes().get(0).uri());
    Map<String, String> info = RespClient.parseFields((String) cluster.nodes().get(0).call("CLUSTER", "INFO"));
    assertThat(info).containsEntry("cluster_state", "ok").containsEntry("cluster_slots_ok", "16384")
        .containsEntry("cluster_size", "3").containsEntry("cluster_known_nodes", "6");
    List<RedisServer> masters = cluster.masters();
    assertThat(masters).hasSize(3);
    for (RedisServer master : masters) {
      assertThat(cluster.replicaOf(master)).isNotIn(masters);
    }
    assertThat(lettuceRoundTrip(cluster)).as("keys spread over all masters, through Lettuce").isEqualTo(30);

    RedisServer killed = masters.get(0);
    RedisServer replica = cluster.replicaOf(killed);
    long started = System.nanoTime();
    RedisServer promoted = cluster.killMaster(0);
    System.out.printf("cluster failover took %d ms%n", Duration.ofNanos(System.nanoTime() - started).toMillis());

    assertThat(promoted).isSameAs(replica);
    assertThat(killed.isRunning()).isFalse();
    assertThat(cluster.masters()).hasSize(3).contains(promoted).doesNotContain(killed);
    assertThat(cluster.masters().get(0)).as("the promoted replica took over slot 0").isSameAs(promoted);
    for (RedisServer node : cluster.nodes()) {
      if (node.isRunning()) {
        assertThat(RespClient.parseFields((String) node.call("CLUSTER", "INFO")))
            .containsEntry("cluster_state", "ok");
      }
    }
    assertThat(promoted.info("replication")).containsEntry("role", "master");
  }

  @Test
  void sentinelPromotesTheReplicaWhenTheMasterIsKilled() {
    long started = System.nanoTime();
    try (RedisSentinel sentinel = RedisSentinel.start()) {
      System.out.printf("sentinel setup start took %d ms%n",
          Duration.ofNanos(System.nanoTime() - started).toMillis());
      RedisURI uri = RedisURI.create(sentinel.sentinelUri());
      assertThat(uri.getSentinelMasterId()).isEqualTo(RedisSentinel.MASTER_NAME);
      assertThat(uri.getSentinels()).singleElement()
          .satisfies(s -> assertThat(s.getPort()).isEqualTo(sentinel.sentinel().port()));
      RedisServer master = sentinel.master();
      RedisServer replica = sentinel.replica();
      assertThat(master).isNotSameAs(replica);
      assertThat(master.call("SET", "k", "v")).isEqualTo("OK");

      long failoverStarted = System.nanoTime();
      RedisServer promoted = sentinel.killMaster();
      System.out.printf("sentinel failover took %d ms%n",
          Duration.ofNanos(System.nanoTime() - failoverStarted).toMillis());

      assertThat(promoted).isSameAs(replica);
      assertThat(sentinel.master()).isSameAs(replica);
      assertThat(master.isRunning()).isFalse();
      assertThat(promoted.call("SET", "k2", "v2")).as("the new master takes writes").isEqualTo("OK");
    }
  }

  @Test
  void missingRedisServerFailsWithAnInstallHint() throws IOException {
    Path empty = Files.createTempDirectory("breakwater-redis-nobin");
    String previous = System.getProperty(RedisBinaries.BIN_DIR_PROPERTY);
    System.setProperty(RedisBinaries.BIN_DIR_PROPERTY, empty.toString());
    try {
      assertThatThrownBy(RedisServer::start)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("redis-server was not found")
          .hasMessageContaining("apt-get install redis-server");
      assertThatThrownBy(RedisExtension.standalone()::server).isInstanceOf(IllegalStateException.class);
    } finally {
      if (previous == null) {
        System.clearProperty(RedisBinaries.BIN_DIR_PROPERTY);
      } else {
        System.setProperty(RedisBinaries.BIN_DIR_PROPERTY, previous);
      }
      Files.deleteIfExists(empty);
    }
  }

  @Test
  void serversLeftBehindByADeadJvmAreReaped() throws Exception {
    Path dir = Files.createTempDirectory(Janitor.DIR_PREFIX + "orphan-");
    Process deadOwner = new ProcessBuilder("true").start();
    deadOwner.waitFor();
    Files.writeString(dir.resolve("owner.pid"), deadOwner.pid() + " 0\n");
    int port = FreePorts.pick(false);
    Process orphan = new ProcessBuilder(RedisBinaries.redisServer().toString(), "--port", Integer.toString(port),
        "--bind", RespClient.HOST, "--save", "", "--appendonly", "no", "--dir", dir.toString(),
        "--logfile", dir.resolve("redis.log").toString())
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    try {
      Poll.until("the orphan to answer", RedisServer.STARTUP_TIMEOUT, () -> RespClient.ping(port));
      Janitor.recordServer(dir, orphan.toHandle());

      Janitor.reapOrphans();

      assertThat(orphan.isAlive()).isFalse();
      assertThat(dir).doesNotExist();
    } finally {
      orphan.destroyForcibly();
      Janitor.deleteTree(dir);
    }
  }

  private static int lettuceRoundTrip(RedisCluster cluster) {
    List<RedisURI> seeds = new ArrayList<>();
    cluster.uris().forEach(u -> seeds.add(RedisURI.create(u)));
    RedisClusterClient client = RedisClusterClient.create(seeds);
    try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
      RedisAdvancedClusterCommands<String, String> commands = connection.sync();
      int found = 0;
      for (int i = 0; i < 30; i++) {
        commands.set("selftest:" + i, "v" + i);
      }
      for (int i = 0; i < 30; i++) {
        found += ("v" + i).equals(commands.get("selftest:" + i)) ? 1 : 0;
      }
      return found;
    } finally {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }

  /** PING over a raw socket, independent of {@link RespClient}, returning the first reply line. */
  private static String rawPing(int port) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
      socket.setSoTimeout(2000);
      OutputStream out = socket.getOutputStream();
      out.write("*1\r\n$4\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      StringBuilder line = new StringBuilder();
      for (int b = in.read(); b != '\r'; b = in.read()) {
        if (b < 0) {
          throw new IOException("closed");
        }
        line.append((char) b);
      }
      return line.toString();
    }
  }
}
