package dev.breakwater.redis.internal;

import dev.breakwater.idempotency.InMemoryIdempotencyStore;
import dev.breakwater.idempotency.Reservation;
import dev.breakwater.redis.RedisStateConfig;
import dev.breakwater.redis.ValueCodec;
import dev.breakwater.spi.IdempotencyStore;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Idempotency records in Redis. A record is one string: {@code I} or {@code D} (in flight, done), the SHA-256 of the
 * request fingerprint, and for a done record the encoded value. Reserving is one {@code SET NX PX GET} (create
 * with the lease as its expiry, or read the record that is there: replay / conflict / mismatch; a script on servers
 * before Redis 7.0); completing overwrites the record with the value and the ttl,
 * then (when configured) waits for replicas with WAIT so a failover that Redis survives does not lose it; releasing
 * deletes the record only if it is still this request's reservation.
 *
 * <p>Lease semantics: an in-flight record expires after its lease (the shorter of the configured lease and the
 * call's deadline); a holder that crashes blocks duplicates for at most that long, and a duplicate arriving later
 * reserves the key afresh and runs.
 *
 * @param <V> the value type
 */
public final class RedisIdempotencyStore<V> implements IdempotencyStore<V> {
  private static final Logger LOG = LoggerFactory.getLogger(RedisIdempotencyStore.class);
  private static final RedisConnector.Script RESERVE = RedisConnector.Script.resource("idem_reserve.lua");
  private static final RedisConnector.Script RELEASE = RedisConnector.Script.resource("idem_release.lua");
  private static final RedisConnector.Script COMPLETE = RedisConnector.Script.resource("idem_complete.lua");

  private final RedisConnector redis;
  private final RedisGuard guard;
  private final InMemoryIdempotencyStore<V> local;
  private final ValueCodec<V> codec;
  private final RedisStateConfig config;
  // SET NX PX GET (Redis 7.0+) reserves in one plain command; an older server makes this false on its first refusal.
  private volatile boolean setNxGet = true;

  /** Creates the store. */
  public RedisIdempotencyStore(RedisConnector redis, RedisGuard guard, InMemoryIdempotencyStore<V> local,
      ValueCodec<V> codec, RedisStateConfig config) {
    this.redis = redis;
    this.guard = guard;
    this.local = local;
    this.codec = codec;
    this.config = config;
  }

  @Override
  public Reservation<V> reserve(String key, String fingerprint, Duration lease) {
    return reserveAsync(key, fingerprint, lease).toCompletableFuture().join();
  }

  @Override
  public void complete(String key, String fingerprint, V value, Duration ttl) {
    completeAsync(key, fingerprint, value, ttl).toCompletableFuture().join();
  }

  @Override
  public void release(String key, String fingerprint) {
    releaseAsync(key, fingerprint).toCompletableFuture().join();
  }

  @Override
  public CompletionStage<Reservation<V>> reserveAsync(String key, String fingerprint, Duration lease) {
    byte[] fp = hash(fingerprint);
    long leaseMillis = Math.max(1, lease.toMillis());
    String k = redisKey(key);
    if (!setNxGet) {
      return guard.call(() -> reserveByScript(k, fp, leaseMillis), () -> local.reserve(key, fingerprint, lease));
    }
    byte[] record = new byte[1 + fp.length];
    record[0] = 'I';
    System.arraycopy(fp, 0, record, 1, fp.length);
    return guard.call(() -> redis.commands().setGet(k, record, SetArgs.Builder.nx().px(leaseMillis))
        .toCompletableFuture()
        .<CompletableFuture<Reservation<V>>>handle((old, e) -> {
          if (e == null) {
            return CompletableFuture.completedFuture(fromRecord(old, fp, codec));
          }
          if (String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT).contains("syntax")) {
            // A server before Redis 7.0 takes NX and GET only apart: the script does the same in one round trip.
            LOG.info("redis rejects SET NX GET ({}); reserving idempotency keys by script", e.getMessage());
            setNxGet = false;
            return reserveByScript(k, fp, leaseMillis);
          }
          return CompletableFuture.failedFuture(e);
        }).thenCompose(f -> f), () -> local.reserve(key, fingerprint, lease));
  }

  /** Reserves by script from now on, as with a server older than Redis 7.0 (for tests of that path). */
  void reserveByScriptOnly() {
    setNxGet = false;
  }

  /** Reserve as one script: the same decision as {@code SET NX PX GET}, for servers older than Redis 7.0. */
  private CompletableFuture<Reservation<V>> reserveByScript(String k, byte[] fp, long leaseMillis) {
    return redis.<List<Object>>eval(RESERVE, ScriptOutputType.MULTI, new String[] {k}, fp,
        Long.toString(leaseMillis).getBytes(StandardCharsets.US_ASCII)).thenApply(r -> {
          switch ((int) Replies.integer(r, 0)) {
            case 0:
              return Reservation.<V>reserved();
            case 1:
              return Reservation.replay(codec.decode(Replies.bulk(r, 1)));
            case 2:
              return Reservation.<V>conflict();
            default:
              return Reservation.<V>mismatch();
          }
        });
  }

  /** What a record found in place of a new reservation means: none (reserved), in flight, done, or another's. */
  static <V> Reservation<V> fromRecord(byte[] old, byte[] fp, ValueCodec<V> codec) {
    if (old == null) {
      return Reservation.reserved();
    }
    if (old.length < 1 + fp.length || !Arrays.equals(old, 1, 1 + fp.length, fp, 0, fp.length)) {
      return Reservation.mismatch();
    }
    if (old[0] == 'I') {
      return Reservation.conflict();
    }
    return Reservation.replay(codec.decode(Arrays.copyOfRange(old, 1 + fp.length, old.length)));
  }

  @Override
  public CompletionStage<Void> completeAsync(String key, String fingerprint, V value, Duration ttl) {
    byte[] fp = hash(fingerprint);
    byte[] payload = codec.encode(value);
    byte[] record = new byte[1 + fp.length + payload.length];
    record[0] = 'D';
    System.arraycopy(fp, 0, record, 1, fp.length);
    System.arraycopy(payload, 0, record, 1 + fp.length, payload.length);
    String k = redisKey(key);
    return guard.call(() -> {
      CompletableFuture<Long> set = redis.<Long>eval(COMPLETE, ScriptOutputType.INTEGER, new String[] {k}, record,
          Long.toString(ttl.toMillis()).getBytes(StandardCharsets.US_ASCII)).thenApply(written -> {
            if (written == 0) {
              LOG.warn("idempotency record not stored: its reservation expired and another request holds the key");
            }
            return written;
          });
      if (config.idempotencyReplicas() == 0) {
        return set.thenApply(ok -> (Void) null);
      }
      return set.thenCompose(ok -> redis.waitForReplicas(k, config.idempotencyReplicas(),
          config.replicaWait().toMillis())).thenApply(acked -> {
            if (acked < config.idempotencyReplicas()) {
              // Written on the master; a failover before replication could still lose it. Say so, once per record.
              LOG.warn("idempotency record acknowledged by {} of {} replicas within {}", acked,
                  config.idempotencyReplicas(), config.replicaWait());
            }
            return (Void) null;
          });
    }, () -> {
      local.complete(key, fingerprint, value, ttl);
      return null;
    });
  }

  @Override
  public CompletionStage<Void> releaseAsync(String key, String fingerprint) {
    byte[] fp = hash(fingerprint);
    return guard.call(() -> redis.<Long>eval(RELEASE, ScriptOutputType.INTEGER, new String[] {redisKey(key)}, fp)
        .thenApply(n -> (Void) null), () -> {
          local.release(key, fingerprint);
          return null;
        });
  }

  private String redisKey(String engineKey) {
    return redis.prefix() + ":idem:" + Keys.tag(Keys.tenantOf(engineKey)) + engineKey;
  }

  // One digest per thread: MessageDigest.getInstance looks up the provider on every call.
  private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  });

  private static byte[] hash(String fingerprint) {
    byte[] d = SHA256.get().digest(String.valueOf(fingerprint).getBytes(StandardCharsets.UTF_8));
    return HexFormat.of().formatHex(d).getBytes(StandardCharsets.US_ASCII);
  }
}
