package dev.breakwater.redis.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A six-node Redis Cluster on loopback (three masters with one replica each), created with {@code redis-cli --cluster
 * create}; supports killing a master and waiting for its replica to take over.
 */
public final class RedisCluster implements AutoCloseable {
  /** Bounds both the initial convergence and a failover; a failover normally takes a few seconds. */
  public static final Duration CONVERGENCE_TIMEOUT = Duration.ofSeconds(30);

  private static final int NODES = 6;
  private static final int MASTERS = 3;
  private static final int SLOTS = 16384;
  private static final Duration CREATE_TIMEOUT = Duration.ofSeconds(60);
  private static final List<String> NODE_ARGS = List.of(
      "--cluster-enabled", "yes",
      "--cluster-config-file", "nodes.conf",
      // 2 s rather than the default 15 s so that a failover in a test takes seconds, not half a minute.
      "--cluster-node-timeout", "2000",
      // A replica whose link has been down a while would otherwise refuse to fail over; tests want it always to.
      "--cluster-replica-validity-factor", "0");

  private final List<RedisServer> nodes;

  private RedisCluster(List<RedisServer> nodes) {
    this.nodes = List.copyOf(nodes);
  }

  /** Starts six nodes, creates the cluster and waits until every node reports it ok with all 16384 slots covered. */
  public static RedisCluster start() {
    Path cli = RedisBinaries.redisCli();
    List<RedisServer> started = new ArrayList<>();
    try {
      for (int i = 0; i < NODES; i++) {
        started.add(RedisServer.start("cluster-node" + i, true, dir -> List.of(), NODE_ARGS));
      }
      RedisCluster cluster = new RedisCluster(started);
      cluster.create(cli);
      Poll.untilNoProblem("the new cluster to converge", CONVERGENCE_TIMEOUT, () -> cluster.problem(true));
      return cluster;
    } catch (RuntimeException | Error e) {
      try {
        RedisServer.stopAll(started);
      } catch (RuntimeException stopFailure) {
        e.addSuppressed(stopFailure);
      }
      throw e;
    }
  }

  /** All six nodes in creation order, including killed ones; masters and replicas change roles on failover. */
  public List<RedisServer> nodes() {
    return nodes;
  }

  /** {@code redis://127.0.0.1:port} of every node, in creation order. */
  public List<String> uris() {
    return nodes.stream().map(RedisServer::uri).toList();
  }

  /**
   * The URI of the first running node (node 0 unless killed), enough for Lettuce to discover the rest; chaos tests
   * that kill masters should rather give Lettuce all of {@link #uris()}.
   */
  public String seedUri() {
    return nodes.stream().filter(RedisServer::isRunning).findFirst().orElse(nodes.get(0)).uri();
  }

  /** The masters currently serving slots, as seen by a running node, ordered by their lowest slot (master 0 owns 0). */
  public List<RedisServer> masters() {
    return view().slotOwners().stream().map(entry -> node(entry.port())).toList();
  }

  /** A running replica of {@code master}, or an {@link IllegalStateException} when it has none. */
  public RedisServer replicaOf(RedisServer master) {
    ClusterNodes view = view();
    ClusterNodes.Entry masterEntry = view.byPort(master.port());
    if (masterEntry == null) {
      throw new IllegalArgumentException(master + " is not a node of this cluster");
    }
    return view.entries().stream()
        .filter(e -> e.isReplica() && !e.isFailing() && masterEntry.id().equals(e.masterId()))
        .map(e -> node(e.port()))
        .filter(RedisServer::isRunning)
        .findFirst()
        .orElseThrow(() -> new IllegalStateException(master + " has no running replica; view: " + view));
  }

  /** The cluster node id of {@code node} ({@code CLUSTER MYID}). */
  public String nodeId(RedisServer node) {
    return (String) node.call("CLUSTER", "MYID");
  }

  /**
   * Kills master {@code index} of {@link #masters()} with SIGKILL and waits until its replica has been promoted and
   * every running node reports the cluster ok again with the replica serving the slots; returns the new master.
   */
  public RedisServer killMaster(int index) {
    List<RedisServer> masters = masters();
    if (index < 0 || index >= masters.size()) {
      throw new IndexOutOfBoundsException("master " + index + " of " + masters.size());
    }
    RedisServer master = masters.get(index);
    RedisServer replica = replicaOf(master);
    master.kill9();
    Poll.untilNoProblem("failover of " + master + " to " + replica, CONVERGENCE_TIMEOUT, () -> {
      if (!"master".equals(replica.info("replication").get("role"))) {
        return replica + " is not master yet";
      }
      String problem = problem(false);
      if (problem != null) {
        return problem;
      }
      Set<Integer> owners = new HashSet<>();
      view().slotOwners().forEach(e -> owners.add(e.port()));
      return owners.contains(replica.port()) ? null : replica + " serves no slots yet";
    });
    return replica;
  }

  /** Waits until every running node reports the cluster ok and all agree on who serves which slots. */
  public void awaitHealthy() {
    Poll.untilNoProblem("the cluster to be healthy", CONVERGENCE_TIMEOUT, () -> problem(false));
  }

  /** Empties every master, so a cluster shared by the tests of a class can be reset between them. */
  public void flushAll() {
    for (RedisServer master : masters()) {
      master.flushAll();
    }
  }

  /** Stops every node and deletes their temp dirs; idempotent. */
  public void stop() {
    RedisServer.stopAll(nodes);
  }

  /** Same as {@link #stop()}. */
  @Override
  public void close() {
    stop();
  }

  /** The node ports, for failure messages. */
  @Override
  public String toString() {
    return "RedisCluster" + nodes.stream().map(RedisServer::port).toList();
  }

  private void create(Path cli) {
    List<String> command = new ArrayList<>(List.of(cli.toString(), "--cluster", "create"));
    for (RedisServer node : nodes) {
      command.add(RespClient.HOST + ":" + node.port());
    }
    command.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
    Path output = nodes.get(0).dir().resolve("cluster-create.log");
    try {
      Process process = new ProcessBuilder(command)
          .redirectErrorStream(true)
          .redirectOutput(output.toFile())
          .start();
      process.getOutputStream().close();
      if (!process.waitFor(CREATE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        Janitor.killTree(process.toHandle(), Duration.ofSeconds(5));
        throw new IllegalStateException("redis-cli --cluster create did not finish within " + CREATE_TIMEOUT
            + ":\n" + read(output));
      }
      if (process.exitValue() != 0) {
        throw new IllegalStateException("redis-cli --cluster create failed with exit code " + process.exitValue()
            + ":\n" + read(output));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating the cluster", e);
    }
  }

  /**
   * What is still wrong with the cluster, or null when healthy: each running node must say ok with all slots served
   * by running, non-failing masters, all running nodes must agree on who serves what, and replicas must be linked.
   * With {@code fresh}, every node must also know all six and the 3+3 layout must be complete.
   */
  private String problem(boolean fresh) {
    List<RedisServer> running = nodes.stream().filter(RedisServer::isRunning).toList();
    if (running.isEmpty()) {
      return "no node is running";
    }
    Set<Integer> runningPorts = new HashSet<>();
    running.forEach(n -> runningPorts.add(n.port()));
    String agreedSlotMap = null;
    for (RedisServer node : running) {
      Map<String, String> info = RespClient.parseFields((String) node.call("CLUSTER", "INFO"));
      if (!"ok".equals(info.get("cluster_state"))) {
        return node + " says cluster_state:" + info.get("cluster_state");
      }
      if (!Integer.toString(SLOTS).equals(info.get("cluster_slots_ok"))) {
        return node + " says cluster_slots_ok:" + info.get("cluster_slots_ok");
      }
      ClusterNodes view = ClusterNodes.of(node.port());
      if (fresh && view.entries().size() != NODES) {
        return node + " knows " + view.entries().size() + " nodes";
      }
      for (ClusterNodes.Entry entry : view.entries()) {
        if (runningPorts.contains(entry.port()) && entry.isFailing()) {
          return node + " sees running node " + entry.port() + " as " + entry.flags();
        }
      }
      List<ClusterNodes.Entry> owners = view.slotOwners();
      int covered = owners.stream().mapToInt(o -> o.slots().stream().mapToInt(r -> r[1] - r[0] + 1).sum()).sum();
      if (covered != SLOTS) {
        return node + " sees " + covered + " slots served by healthy masters";
      }
      for (ClusterNodes.Entry owner : owners) {
        if (!runningPorts.contains(owner.port())) {
          return node + " still routes slots " + owner.slotsText() + " to dead node " + owner.port();
        }
      }
      String slotMap = view.slotMap();
      if (agreedSlotMap == null) {
        agreedSlotMap = slotMap;
      } else if (!agreedSlotMap.equals(slotMap)) {
        return "nodes disagree on the slot map: [" + agreedSlotMap + "] vs " + node + " [" + slotMap + "]";
      }
      ClusterNodes.Entry myself = view.myself();
      if (myself.isReplica()) {
        ClusterNodes.Entry master = view.byId(myself.masterId());
        if (master != null && runningPorts.contains(master.port())
            && !"up".equals(node.info("replication").get("master_link_status"))) {
          return node + " has its replication link to " + master.port() + " down";
        }
      }
      if (fresh) {
        long replicas = view.entries().stream().filter(ClusterNodes.Entry::isReplica).count();
        if (owners.size() != MASTERS || replicas != NODES - MASTERS) {
          return node + " sees " + owners.size() + " masters and " + replicas + " replicas";
        }
        for (ClusterNodes.Entry owner : owners) {
          if (view.entries().stream().noneMatch(e -> e.isReplica() && owner.id().equals(e.masterId()))) {
            return node + " sees master " + owner.port() + " without a replica";
          }
        }
      }
    }
    return null;
  }

  private ClusterNodes view() {
    RuntimeException failure = null;
    for (RedisServer node : nodes) {
      if (node.isRunning()) {
        try {
          return ClusterNodes.of(node.port());
        } catch (RuntimeException e) {
          failure = e;
        }
      }
    }
    throw new IllegalStateException("no running node answers CLUSTER NODES", failure);
  }

  private RedisServer node(int port) {
    return nodes.stream().filter(n -> n.port() == port).findFirst()
        .orElseThrow(() -> new IllegalStateException("port " + port + " is not a node of " + this));
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(no output: " + e + ")";
    }
  }
}
