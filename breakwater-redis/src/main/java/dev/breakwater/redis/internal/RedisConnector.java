package dev.breakwater.redis.internal;

import dev.breakwater.redis.RedisStateConfig;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.util.concurrent.TimeUnit;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BiConsumer;

/**
 * One Lettuce client and connection for standalone, Sentinel or Cluster Redis, behind the command interface both
 * share ({@link RedisClusterAsyncCommands}), with the scripts Breakwater runs loaded on demand (EVALSHA, EVAL on
 * NOSCRIPT) and one pub/sub connection.
 */
public final class RedisConnector implements AutoCloseable {
  private static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

  private final RedisStateConfig config;
  private final ClientResources resources;
  private final RedisClient client;
  private final RedisClusterClient clusterClient;
  private final StatefulRedisConnection<String, byte[]> connection;
  private final StatefulRedisClusterConnection<String, byte[]> clusterConnection;
  private final RedisClusterAsyncCommands<String, byte[]> commands;
  private volatile StatefulRedisPubSubConnection<String, byte[]> pubSub;
  // Lettuce's I/O threads must never wait; work that may (cluster-wide SCAN opens node connections synchronously)
  // continues here instead.
  private final java.util.concurrent.ExecutorService worker = java.util.concurrent.Executors.newCachedThreadPool(
      r -> {
        Thread t = new Thread(r, "breakwater-redis-worker");
        t.setDaemon(true);
        return t;
      });

  /** Connects; a Redis that is down at start is not an error: commands fail (and fall back) until it is up. */
  public RedisConnector(RedisStateConfig config) {
    this.config = config;
    // Reconnect quickly and often: the default backs off to 30 s, far longer than a fleet should stay on local state
    // after Redis has come back.
    this.resources = DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(2)
        .reconnectDelay(Delay.exponential(Duration.ofMillis(20), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
        .build();
    Duration timeout = config.commandTimeout();
    SocketOptions socket = SocketOptions.builder().connectTimeout(Duration.ofMillis(
        Math.max(200, timeout.toMillis() * 5))).keepAlive(true).build();
    if (config.cluster()) {
      List<RedisURI> seeds = new ArrayList<>();
      for (String u : config.uris()) {
        seeds.add(RedisURI.create(u));
      }
      this.client = null;
      this.clusterClient = RedisClusterClient.create(resources, seeds);
      clusterClient.setOptions(ClusterClientOptions.builder()
          .socketOptions(socket)
          .timeoutOptions(TimeoutOptions.enabled(timeout))
          // Fail commands at once while disconnected: a buffered command would answer after its caller gave up.
          .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
          .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
              .enablePeriodicRefresh(Duration.ofSeconds(2))
              .enableAllAdaptiveRefreshTriggers()
              .build())
          .build());
      this.clusterConnection = clusterClient.connect(CODEC);
      this.connection = null;
      this.commands = clusterConnection.async();
    } else {
      this.clusterClient = null;
      this.client = RedisClient.create(resources, RedisURI.create(config.uris().get(0)));
      client.setOptions(ClientOptions.builder()
          .socketOptions(socket)
          .timeoutOptions(TimeoutOptions.enabled(timeout))
          .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
          .build());
      this.connection = client.connect(CODEC);
      this.clusterConnection = null;
      this.commands = connection.async();
    }
  }

  /** Where continuations that may block (SCAN over a Cluster, reconnect handling) run, off Lettuce's I/O threads. */
  public java.util.concurrent.Executor worker() {
    return worker;
  }

  /** The commands standalone and Cluster connections share. */
  public RedisClusterAsyncCommands<String, byte[]> commands() {
    return commands;
  }

  /** Whether this is a Redis Cluster. */
  public boolean cluster() {
    return config.cluster();
  }

  /** The prefix of every key and channel. */
  public String prefix() {
    return config.keyPrefix();
  }

  /** Runs a script by its SHA, loading it with EVAL when the server does not know it (after a restart or failover). */
  @SuppressWarnings("unchecked")
  public <T> CompletableFuture<T> eval(Script script, ScriptOutputType type, String[] keys, byte[]... args) {
    return commands.<T>evalsha(script.sha, type, keys, args).toCompletableFuture()
        .handle((r, e) -> {
          Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
          if (c == null) {
            return CompletableFuture.completedFuture(r);
          }
          if (c instanceof RedisNoScriptException || String.valueOf(c.getMessage()).startsWith("NOSCRIPT")) {
            return commands.<T>eval(script.body.getBytes(StandardCharsets.UTF_8), type, keys, args)
                .toCompletableFuture();
          }
          return CompletableFuture.<T>failedFuture(c);
        }).thenCompose(f -> (CompletableFuture<T>) f);
  }

  /**
   * Waits until {@code replicas} replicas acknowledged the writes made so far on the node that holds {@code key}
   * (in a Cluster, WAIT must run on that key's master).
   */
  public CompletableFuture<Long> waitForReplicas(String key, int replicas, long timeoutMillis) {
    if (!config.cluster()) {
      return commands.waitForReplication(replicas, timeoutMillis).toCompletableFuture();
    }
    RedisClusterNode node = clusterConnection.getPartitions().getPartitionBySlot(SlotHash.getSlot(key));
    if (node == null) {
      return CompletableFuture.failedFuture(new IllegalStateException("no master for the slot of " + key));
    }
    return clusterConnection.getConnectionAsync(node.getNodeId()).thenCompose(c -> c.async()
        .waitForReplication(replicas, timeoutMillis).toCompletableFuture()).toCompletableFuture();
  }

  /** Subscribes to channels; Lettuce re-subscribes by itself after a reconnect. */
  public synchronized void subscribe(BiConsumer<String, byte[]> onMessage, String... channels) {
    if (pubSub == null) {
      pubSub = config.cluster() ? clusterClient.connectPubSub(CODEC) : client.connectPubSub(CODEC);
    }
    java.util.Set<String> mine = java.util.Set.of(channels);
    pubSub.addListener(new RedisPubSubAdapter<>() {
      @Override
      public void message(String channel, byte[] message) {
        if (mine.contains(channel)) { // one connection carries every store's channels
          onMessage.accept(channel, message);
        }
      }
    });
    pubSub.async().subscribe(channels);
  }

  /**
   * Calls {@code onReconnect} when the pub/sub connection is re-established (messages published while it was down are
   * lost), at most once every 5 s. Other connections are ignored: a Cluster client opens one to every node on every
   * topology refresh.
   */
  public void onReconnect(Runnable onReconnect) {
    long[] last = {Long.MIN_VALUE / 2};
    RedisConnectionStateListener l = new RedisConnectionStateListener() {
      @Override
      public void onRedisConnected(io.lettuce.core.RedisChannelHandler<?, ?> connection, SocketAddress address) {
        StatefulRedisPubSubConnection<String, byte[]> ps = pubSub;
        if (ps == null || connection != ps) {
          return;
        }
        long now = System.nanoTime();
        synchronized (last) {
          if (now - last[0] < 5_000_000_000L) {
            return;
          }
          last[0] = now;
        }
        worker.execute(onReconnect);
      }
    };
    if (client != null) {
      client.addListener(l);
    } else {
      clusterClient.addListener(l);
    }
  }

  @Override
  public void close() {
    try {
      if (pubSub != null) {
        pubSub.close();
      }
      if (connection != null) {
        connection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
      } else {
        clusterConnection.close();
        clusterClient.shutdown(Duration.ZERO, Duration.ofSeconds(1));
      }
    } finally {
      worker.shutdownNow();
      resources.shutdown(0, 1, java.util.concurrent.TimeUnit.SECONDS);
    }
  }

  /**
   * Makes the first real command as fast as the later ones: waits (at most {@code bound}) until the connection
   * answers, loads {@code scripts} into the server's script cache (on every master of a Cluster) and runs one
   * {@code SET NX PX GET} on a warm-up key, so no decision pays for connecting, loading a script or a cold code path.
   * Completes with whether Redis answered everything; never fails.
   */
  public CompletableFuture<Boolean> warmUp(List<Script> scripts, Duration bound) {
    CompletableFuture<?> ping = commands.ping().toCompletableFuture();
    List<CompletableFuture<?>> steps = new ArrayList<>();
    steps.add(ping);
    for (Script s : scripts) {
      steps.add(ping.thenCompose(p -> commands.scriptLoad(s.body.getBytes(StandardCharsets.UTF_8))
          .toCompletableFuture()));
    }
    steps.add(ping.thenCompose(p -> commands.setGet(config.keyPrefix() + ":warmup",
        new byte[] {'w'}, io.lettuce.core.SetArgs.Builder.nx().px(1000)).toCompletableFuture()
        // A server before 7.0 rejects SET NX GET: the connection is warm all the same.
        .exceptionally(e -> null)));
    return CompletableFuture.allOf(steps.toArray(CompletableFuture[]::new))
        .orTimeout(bound.toMillis(), TimeUnit.MILLISECONDS)
        .handle((x, e) -> e == null);
  }

  /** A Lua script with its SHA-1. */
  public static final class Script {
    final String body;
    final String sha;

    /** Creates a script from its body. */
    public Script(String body) {
      this.body = body;
      try {
        this.sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1")
            .digest(body.getBytes(StandardCharsets.UTF_8)));
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }

    /** Loads the script body from a resource next to this class. */
    public static Script resource(String name) {
      try (var in = RedisConnector.class.getResourceAsStream(name)) {
        if (in == null) {
          throw new IllegalStateException("missing script resource " + name);
        }
        return new Script(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      } catch (java.io.IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
