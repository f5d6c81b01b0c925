package dev.breakwater.bench.redis;

import static dev.breakwater.bench.redis.Bench.out;

import dev.breakwater.idempotency.Reservation;
import dev.breakwater.redis.RedisState;
import dev.breakwater.redis.RedisStateConfig;
import dev.breakwater.redis.ValueCodec;
import dev.breakwater.spi.IdempotencyStore;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Latency of {@code idempotencyStore(utf8).reserve(uniqueKey, fingerprint, 30 s)} against a raw Lettuce
 * {@code SET key value NX PX 30000} of the same record size (1 + 64 bytes), one thread, sequential, every key new.
 * Both go through a Lettuce async command completed with {@code join()} on their own connection (String keys, byte[]
 * values). A third series, raw Lettuce {@code EVALSHA} of Breakwater's own {@code idem_reserve.lua} on the raw
 * connection, splits the gap into the script's share and the client-side share. The series alternate in blocks of
 * {@code --block} so drift on the machine hits them alike.
 */
public final class IdempotencyLatency {
  private IdempotencyLatency() {}

  static String resource(String name) throws java.io.IOException {
    try (var in = dev.breakwater.redis.RedisState.class.getResourceAsStream("internal/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  public static void main(String[] argv) throws Exception {
    Map<String, String> a = Bench.args(argv);
    int port = Bench.intArg(a, "port", 6379);
    int n = Bench.intArg(a, "n", 20_000);
    int warmup = Bench.intArg(a, "warmup", 5_000);
    int block = Bench.intArg(a, "block", 1_000);
    String run = Long.toString(System.nanoTime(), 36);
    byte[] value = ("I" + "0".repeat(64)).getBytes(StandardCharsets.US_ASCII);
    SetArgs nxpx = SetArgs.Builder.nx().px(30_000);
    Duration lease = Duration.ofSeconds(30);

    RedisClient client = RedisClient.create(Bench.uri(port));
    StatefulRedisConnection<String, byte[]> conn = client.connect(RedisCodec.of(StringCodec.UTF8,
        ByteArrayCodec.INSTANCE));
    RedisAsyncCommands<String, byte[]> raw = conn.async();
    try (RedisState state = RedisState.connect(RedisStateConfig.standalone(Bench.uri(port)))) {
      IdempotencyStore<String> store = state.idempotencyStore(ValueCodec.utf8());
      Bench.Recorder bw = new Bench.Recorder(n);
      Bench.Recorder set = new Bench.Recorder(n);
      Bench.Recorder script = new Bench.Recorder(n);
      String sha = raw.scriptLoad(resource("idem_reserve.lua")).toCompletableFuture().join();
      byte[] fpHash = "0".repeat(64).getBytes(StandardCharsets.US_ASCII);
      byte[] leaseMs = "30000".getBytes(StandardCharsets.US_ASCII);
      Bench.Recorder none = new Bench.Recorder(0);
      long[] reserved = new long[1];
      long[] setOk = new long[1];
      int[] next = {0};
      // Warm-up, then timed blocks alternating between the two.
      for (int phase = 0; phase < 2; phase++) {
        int total = phase == 0 ? warmup : n;
        Bench.Recorder rb = phase == 0 ? none : bw;
        Bench.Recorder rs = phase == 0 ? none : set;
        Bench.Recorder re = phase == 0 ? none : script;
        for (int done = 0; done < total; done += block) {
          int m = Math.min(block, total - done);
          for (int i = 0; i < m; i++) {
            int k = next[0]++;
            String key = "tenant\u001fidem-" + run + "-" + k;
            long t0 = System.nanoTime();
            Reservation<String> r = store.reserve(key, "fp-" + k, lease);
            rb.record(System.nanoTime() - t0);
            if (phase == 1 && r.status() == Reservation.Status.RESERVED) {
              reserved[0]++;
            }
          }
          for (int i = 0; i < m; i++) {
            int k = next[0]++;
            String key = "bw:idem:{tenant}tenant\u001fraw-" + run + "-" + k;
            long t0 = System.nanoTime();
            String ok = raw.set(key, value, nxpx).toCompletableFuture().join();
            rs.record(System.nanoTime() - t0);
            if (phase == 1 && "OK".equals(ok)) {
              setOk[0]++;
            }
          }
          for (int i = 0; i < m; i++) {
            int k = next[0]++;
            String key = "bw:idem:{tenant}tenant\u001fscript-" + run + "-" + k;
            long t0 = System.nanoTime();
            raw.<List<Object>>evalsha(sha, ScriptOutputType.MULTI, new String[] {key}, fpHash, leaseMs)
                .toCompletableFuture().join();
            re.record(System.nanoTime() - t0);
          }
        }
      }
      out("idem.n", n);
      out("idem.reserve.reserved", reserved[0]);
      Bench.latencies("idem.reserve", Bench.Recorder.merged(List.of(bw)));
      out("idem.setnx.ok", setOk[0]);
      Bench.latencies("idem.setnx", Bench.Recorder.merged(List.of(set)));
      Bench.latencies("idem.evalsha", Bench.Recorder.merged(List.of(script)));
      out("idem.degraded_decisions", state.health().degradedDecisions());
    } finally {
      conn.close();
      client.shutdown();
    }
    System.exit(0);
  }
}
