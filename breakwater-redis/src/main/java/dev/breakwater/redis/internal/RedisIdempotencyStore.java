package dev.breakwater.redis.internal;

import dev.breakwater.idempotency.InMemoryIdempotencyStore;
import dev.breakwater.idempotency.Reservation;
import dev.breakwater.idempotency.WhenStoreUnavailable;
import dev.breakwater.redis.RedisStateConfig;
import dev.breakwater.redis.ValueCodec;
import dev.breakwater.spi.IdempotencyStore;
import dev.breakwater.time.TimeSource;
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
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
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
 * <p>While Redis does not answer, a reservation is refused ({@code DEGRADED}) or, when the policy accepts local
 * decisions, taken on this instance's records; records completed without Redis are written to it when it returns
 * (see {@link IdempotencyReconciler}).
 *
 * <p>Lease semantics: an in-flight record expires after its lease (the shorter of the configured lease and the
 * call's deadline); a holder that crashes blocks duplicates for at most that long, and a duplicate arriving later
 * reserves the key afresh and runs.
 *
 * @param <V> the value type
 */
public final class RedisIdempotencyStore<V> implements IdempotencyStore<V> {
  private static final Logger LOG = LoggerFactory.getLogger(RedisIdempotencyStore.class);
  static final RedisConnector.Script RESERVE = RedisConnector.Script.resource("idem_reserve.lua");
  static final RedisConnector.Script RELEASE = RedisConnector.Script.resource("idem_release.lua");
  static final RedisConnector.Script COMPLETE = RedisConnector.Script.resource("idem_complete.lua");

  private final RedisConnector redis;
  private final RedisGuard guard;
  private final InMemoryIdempotencyStore<V> local;
  private final ValueCodec<V> codec;
  private final RedisStateConfig config;
  private final IdempotencyReconciler reconciler;
  // SET NX PX GET (Redis 7.0+) reserves in one plain command; an older server makes this false on its first refusal.
  private volatile boolean setNxGet = true;

  /** Creates the store. */
  public RedisIdempotencyStore(RedisConnector redis, RedisGuard guard, InMemoryIdempotencyStore<V> local,
      ValueCodec<V> codec, RedisStateConfig config, TimeSource time) {
    this.redis = redis;
    this.guard = guard;
    this.local = local;
    this.codec = codec;
    this.config = config;
    this.reconciler = new IdempotencyReconciler(time, 100_000);
    guard.onRecovered(this::reconcileIfPending);
  }

  @Override
  public Reservation<V> reserve(String key, String fingerprint, Duration lease) {
    return reserve(key, fingerprint, lease, WhenStoreUnavailable.REFUSE);
  }

  @Override
  public Reservation<V> reserve(String key, String fingerprint, Duration lease, WhenStoreUnavailable when) {
    try {
      return reserveAsync(key, fingerprint, lease, when).toCompletableFuture().join();
    } catch (CompletionException e) {
      // The caller sees the refusal itself (DEGRADED with its retry advice), not the future's wrapper.
      if (e.getCause() instanceof RuntimeException) {
        throw (RuntimeException) e.getCause();
      }
      throw e;
    }
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
    return reserveAsync(key, fingerprint, lease, WhenStoreUnavailable.REFUSE);
  }

  /**
   * Reserves in Redis. When Redis does not answer (down, failing, or slower than the command timeout) the reservation
   * is refused ({@code DEGRADED}) under {@link WhenStoreUnavailable#REFUSE}: a timed-out command may even have
   * reserved the key, so no local guess is safe. Under {@link WhenStoreUnavailable#ACCEPT_LOCAL} it is decided on this
   * instance's records, and the record is written to Redis when it returns.
   */
  @Override
  public CompletionStage<Reservation<V>> reserveAsync(String key, String fingerprint, Duration lease,
      WhenStoreUnavailable when) {
    byte[] fp = hash(fingerprint);
    long leaseMillis = Math.max(1, lease.toMillis());
    String k = redisKey(key);
    Supplier<CompletableFuture<Reservation<V>>> inRedis = () -> (setNxGet ? reserveBySetGet(k, fp, leaseMillis)
        : reserveByScript(k, fp, leaseMillis)).thenApply(r -> {
          reconcileIfPending();
          return r;
        });
    if (when == WhenStoreUnavailable.ACCEPT_LOCAL) {
      return guard.call(inRedis, () -> {
        Reservation<V> r = local.reserve(key, fingerprint, lease);
        if (r.status() == Reservation.Status.RESERVED) {
          reconciler.reservedLocally(k);
        }
        return r;
      });
    }
    return guard.callOrRefuse(inRedis, "this request with an idempotency key");
  }

  /** Reserve as one {@code SET NX PX GET}; a server that rejects it (before 7.0) switches this store to the script. */
  private CompletableFuture<Reservation<V>> reserveBySetGet(String k, byte[] fp, long leaseMillis) {
    byte[] record = new byte[1 + fp.length];
    record[0] = 'I';
    System.arraycopy(fp, 0, record, 1, fp.length);
    return redis.commands().setGet(k, record, SetArgs.Builder.nx().px(leaseMillis))
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
        }).thenCompose(f -> f);
  }

  /** Writes the records decided on local state to Redis, now that it answers again. */
  private void reconcileIfPending() {
    if (reconciler.pending()) {
      reconciler.drain((k, record, ttlMillis) -> redis.<Long>eval(COMPLETE, ScriptOutputType.INTEGER,
          new String[] {k}, record, Long.toString(ttlMillis).getBytes(StandardCharsets.US_ASCII))
          .orTimeout(config.commandTimeout().toMillis() * 3, TimeUnit.MILLISECONDS));
    }
  }

  /** Idempotency records decided on local state and written to Redis after it returned, so far. */
  public long reconciled() {
    return reconciler.reconciled();
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
            reconciler.settled(k);
            reconcileIfPending();
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
      // The call ran: its record must reach Redis when it returns, or a retry after the lease would run it again.
      local.complete(key, fingerprint, value, ttl);
      reconciler.completedLocally(k, record, ttl.toMillis());
      return null;
    });
  }

  @Override
  public CompletionStage<Void> releaseAsync(String key, String fingerprint) {
    byte[] fp = hash(fingerprint);
    String k = redisKey(key);
    // A released call did not run to completion: there is nothing of it to write to Redis later.
    reconciler.settled(k);
    return guard.call(() -> redis.<Long>eval(RELEASE, ScriptOutputType.INTEGER, new String[] {k}, fp)
        .thenApply(n -> (Void) null), () -> {
          local.release(key, fingerprint);
          return null;
        });
  }

  private String redisKey(String engineKey) {
    return redis.prefix() + ":idem:" + Keys.tenantTag(engineKey) + engineKey;
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
