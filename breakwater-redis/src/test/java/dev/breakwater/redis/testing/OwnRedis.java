package dev.breakwater.redis.testing;

import dev.breakwater.redis.RedisState;
import dev.breakwater.redis.RedisStateConfig;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A redis-server of each test's own (for tests that kill, pause or restart it) and the replicas the test connects to
 * it, all closed after the test: register it on an instance field with {@code @RegisterExtension}.
 */
public final class OwnRedis implements BeforeEachCallback, AfterEachCallback {
  private final List<RedisState> states = new ArrayList<>();
  private RedisServer server;

  @Override
  public void beforeEach(ExtensionContext context) {
    server = RedisServer.start();
  }

  @Override
  public void afterEach(ExtensionContext context) {
    states.forEach(RedisState::close);
    states.clear();
    server.stop();
  }

  /** This test's redis-server. */
  public RedisServer server() {
    return server;
  }

  /** The replicas connected so far, in order. */
  public List<RedisState> states() {
    return states;
  }

  /** Connects a replica with {@code config}; it is closed after the test. */
  public RedisState connect(RedisStateConfig config) {
    RedisState s = RedisState.connect(config);
    states.add(s);
    return s;
  }
}
