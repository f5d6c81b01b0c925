package dev.breakwater.redis.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warms a new connection before the instance takes traffic: a first decision that pays for connecting, loading its
 * script or cold code can outlast the command timeout, and a keyed write is then refused (or, before, was decided
 * on local state by two instances at once).
 */
public final class WarmUp {
  private static final Logger LOG = LoggerFactory.getLogger("dev.breakwater.redis");

  private WarmUp() {}

  /** Warms {@code redis} with every store script and {@code more}, within {@code bound}; true if Redis answered. */
  public static boolean run(RedisConnector redis, List<RedisConnector.Script> more, Duration bound) {
    List<RedisConnector.Script> scripts = new ArrayList<>(List.of(RedisIdempotencyStore.RESERVE,
        RedisIdempotencyStore.RELEASE, RedisIdempotencyStore.COMPLETE, RedisRateLimitStore.GCRA,
        RedisRateLimitStore.LEASE, RedisRateLimitStore.REFUND, RedisRateLimitStore.INSPECT));
    scripts.addAll(more);
    boolean ok = redis.warmUp(scripts, bound).join();
    if (ok) {
      LOG.info("redis connection ready ({} scripts loaded)", scripts.size());
    } else {
      LOG.warn("redis did not answer within {} at start; keyed writes are refused until it does", bound);
    }
    return ok;
  }
}
