package dev.breakwater.redis.testing;

import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit 5 extension that starts a Redis topology before the tests of a class and stops it after them; register it on
 * a static field: {@code @RegisterExtension static final RedisExtension redis = RedisExtension.standalone();}.
 */
public final class RedisExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback {
  /** Which topology an extension runs. */
  public enum Topology { STANDALONE, CLUSTER, SENTINEL }

  private final Topology topology;
  private final Supplier<AutoCloseable> starter;
  private volatile AutoCloseable running;
  private volatile String ownerId;

  private RedisExtension(Topology topology, Supplier<AutoCloseable> starter) {
    this.topology = topology;
    this.starter = starter;
  }

  /** One standalone server, with optional extra {@code redis-server} arguments. */
  public static RedisExtension standalone(String... extraArgs) {
    List<String> args = List.of(extraArgs);
    return new RedisExtension(Topology.STANDALONE, () -> RedisServer.start(args.toArray(String[]::new)));
  }

  /** A six-node cluster (three masters, one replica each). */
  public static RedisExtension cluster() {
    return new RedisExtension(Topology.CLUSTER, RedisCluster::start);
  }

  /** A master, a replica and a sentinel monitoring them as {@code mymaster}. */
  public static RedisExtension sentinel() {
    return new RedisExtension(Topology.SENTINEL, RedisSentinel::start);
  }

  /** The topology this extension runs. */
  public Topology topology() {
    return topology;
  }

  /** The standalone server; only for {@link #standalone(String...)}. */
  public RedisServer server() {
    return running(Topology.STANDALONE, RedisServer.class);
  }

  /** The cluster; only for {@link #cluster()} (named so because the factory already is {@code cluster()}). */
  public RedisCluster redisCluster() {
    return running(Topology.CLUSTER, RedisCluster.class);
  }

  /** The sentinel setup; only for {@link #sentinel()}. */
  public RedisSentinel redisSentinel() {
    return running(Topology.SENTINEL, RedisSentinel.class);
  }

  /** The URI a client connects with: the server's, the cluster's seed, or the sentinel URI. */
  public String uri() {
    switch (topology) {
      case STANDALONE:
        return server().uri();
      case CLUSTER:
        return redisCluster().seedUri();
      default:
        return redisSentinel().sentinelUri();
    }
  }

  /** Empties the data of the running topology, for tests that share it within a class. */
  public void flushAll() {
    switch (topology) {
      case STANDALONE:
        server().flushAll();
        break;
      case CLUSTER:
        redisCluster().flushAll();
        break;
      default:
        redisSentinel().flushAll();
        break;
    }
  }

  /** Starts the topology once, for the outermost class that registers the extension (nested classes share it). */
  @Override
  public synchronized void beforeAll(ExtensionContext context) {
    if (running == null) {
      running = starter.get();
      ownerId = context.getUniqueId();
    }
  }

  /** Stops the topology when the class that started it is done. */
  @Override
  public synchronized void afterAll(ExtensionContext context) throws Exception {
    if (running != null && context.getUniqueId().equals(ownerId)) {
      AutoCloseable stopping = running;
      running = null;
      ownerId = null;
      stopping.close();
    }
  }

  /** Fails fast with a hint when the extension sits on an instance field, where JUnit never calls beforeAll. */
  @Override
  public void beforeEach(ExtensionContext context) {
    if (running == null) {
      throw new IllegalStateException("RedisExtension was not started: register it on a static field with"
          + " @RegisterExtension so that it starts once per class");
    }
  }

  private <T> T running(Topology expected, Class<T> type) {
    if (topology != expected) {
      throw new IllegalStateException("this RedisExtension runs " + topology + ", not " + expected);
    }
    AutoCloseable current = running;
    if (current == null) {
      throw new IllegalStateException("RedisExtension is not running (outside the class's tests, or not static)");
    }
    return type.cast(current);
  }
}
