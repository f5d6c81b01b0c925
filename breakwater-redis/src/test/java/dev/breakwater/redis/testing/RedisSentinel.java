package dev.breakwater.redis.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A Sentinel setup on loopback: a master, one replica and one sentinel monitoring them as {@code mymaster} with a
 * quorum of 1 and short timeouts, so that a killed master is replaced within seconds.
 */
public final class RedisSentinel implements AutoCloseable {
  /** The name the sentinel monitors the master under. */
  public static final String MASTER_NAME = "mymaster";

  /** Bounds readiness and failover waits; a failover normally takes a few seconds. */
  public static final Duration CONVERGENCE_TIMEOUT = Duration.ofSeconds(30);

  private final List<RedisServer> dataNodes;
  private final RedisServer sentinel;

  private RedisSentinel(List<RedisServer> dataNodes, RedisServer sentinel) {
    this.dataNodes = List.copyOf(dataNodes);
    this.sentinel = sentinel;
  }

  /** Starts master, replica and sentinel, and waits until the sentinel knows the replica as a healthy one. */
  public static RedisSentinel start() {
    List<RedisServer> started = new ArrayList<>();
    try {
      RedisServer master = RedisServer.start("sentinel-master", false, dir -> List.of(), List.of());
      started.add(master);
      RedisServer replica = RedisServer.start("sentinel-replica", false, dir -> List.of(),
          List.of("--replicaof", RespClient.HOST, Integer.toString(master.port())));
      started.add(replica);
      // The sentinel learns replicas from the master's INFO, so have the replica attached before it first looks.
      Poll.untilNoProblem(replica + " to sync with " + master, CONVERGENCE_TIMEOUT,
          () -> linkProblem(replica));
      RedisServer sentinel = startSentinel(master.port());
      started.add(sentinel);
      RedisSentinel setup = new RedisSentinel(List.of(master, replica), sentinel);
      Poll.untilNoProblem("the sentinel to watch " + master + " and " + replica, CONVERGENCE_TIMEOUT,
          () -> setup.problem(master, replica));
      return setup;
    } catch (RuntimeException | Error e) {
      try {
        RedisServer.stopAll(started);
      } catch (RuntimeException stopFailure) {
        e.addSuppressed(stopFailure);
      }
      throw e;
    }
  }

  /** {@code redis-sentinel://127.0.0.1:port/0#mymaster}, the form Lettuce's {@code RedisURI.create} expects. */
  public String sentinelUri() {
    return "redis-sentinel://" + RespClient.HOST + ":" + sentinel.port() + "/0#" + MASTER_NAME;
  }

  /** The sentinel process. */
  public RedisServer sentinel() {
    return sentinel;
  }

  /** The data node the sentinel currently names as master. */
  public RedisServer master() {
    return dataNode(reportedMasterPort());
  }

  /** The data node that is not the current master (the replica, or the killed old master after a failover). */
  public RedisServer replica() {
    RedisServer master = master();
    return dataNodes.stream().filter(n -> n != master).findFirst().orElseThrow();
  }

  /** Master and replica in start order, whatever their roles are now. */
  public List<RedisServer> dataNodes() {
    return dataNodes;
  }

  /**
   * Kills the current master with SIGKILL and waits until the sentinel names the replica as master and the replica
   * accepts writes as one; returns the new master.
   */
  public RedisServer killMaster() {
    RedisServer master = master();
    RedisServer replica = replica();
    master.kill9();
    Poll.untilNoProblem("sentinel failover from " + master + " to " + replica, CONVERGENCE_TIMEOUT, () -> {
      if (reportedMasterPort() != replica.port()) {
        return "sentinel still names port " + reportedMasterPort();
      }
      String role = replica.info("replication").get("role");
      return "master".equals(role) ? null : replica + " has role " + role;
    });
    return replica;
  }

  /** Empties the current master (the replica follows). */
  public void flushAll() {
    master().flushAll();
  }

  /** Stops the sentinel and both data nodes and deletes their temp dirs; idempotent. */
  public void stop() {
    List<RedisServer> all = new ArrayList<>();
    all.add(sentinel);
    all.addAll(dataNodes);
    RedisServer.stopAll(all);
  }

  /** Same as {@link #stop()}. */
  @Override
  public void close() {
    stop();
  }

  /** The ports involved, for failure messages. */
  @Override
  public String toString() {
    return "RedisSentinel[sentinel " + sentinel.port() + ", data " + dataNodes.stream().map(RedisServer::port).toList()
        + "]";
  }

  private static RedisServer startSentinel(int masterPort) {
    // The sentinel rewrites its config file at run time, so it needs a file of its own in its own dir.
    return RedisServer.start("sentinel", false, dir -> {
      Path config = dir.resolve("sentinel.conf");
      write(config, String.join("\n",
          "sentinel monitor " + MASTER_NAME + " " + RespClient.HOST + " " + masterPort + " 1",
          "sentinel down-after-milliseconds " + MASTER_NAME + " 1000",
          "sentinel failover-timeout " + MASTER_NAME + " 5000",
          ""));
      return List.of(config.toString(), "--sentinel");
    }, List.of());
  }

  private String problem(RedisServer master, RedisServer replica) {
    if (reportedMasterPort() != master.port()) {
      return "sentinel names port " + reportedMasterPort() + " as master";
    }
    Object replicas = sentinel.call("SENTINEL", "REPLICAS", MASTER_NAME);
    for (Object item : (List<?>) replicas) {
      Map<String, String> fields = pairs((List<?>) item);
      if (Integer.toString(replica.port()).equals(fields.get("port"))) {
        return "slave".equals(fields.get("flags")) && "ok".equals(fields.get("master-link-status"))
            ? null
            : "sentinel sees the replica as " + fields;
      }
    }
    return "sentinel has not discovered " + replica + " yet";
  }

  private int reportedMasterPort() {
    List<?> address = (List<?>) sentinel.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME);
    return Integer.parseInt((String) address.get(1));
  }

  private RedisServer dataNode(int port) {
    return dataNodes.stream().filter(n -> n.port() == port).findFirst()
        .orElseThrow(() -> new IllegalStateException("sentinel names unknown port " + port + " as master"));
  }

  private static String linkProblem(RedisServer replica) {
    String status = replica.info("replication").get("master_link_status");
    return "up".equals(status) ? null : "master_link_status:" + status;
  }

  private static Map<String, String> pairs(List<?> flat) {
    Map<String, String> fields = new HashMap<>();
    for (int i = 0; i + 1 < flat.size(); i += 2) {
      fields.put(String.valueOf(flat.get(i)), String.valueOf(flat.get(i + 1)));
    }
    return fields;
  }

  private static void write(Path file, String content) {
    try {
      Files.writeString(file, content, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
