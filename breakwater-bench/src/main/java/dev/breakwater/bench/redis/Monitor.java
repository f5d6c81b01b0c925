package dev.breakwater.bench.redis;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Counts the commands one Redis node executes, through MONITOR, telling apart the commands a client sent (one per
 * round trip) from the ones a Lua script ran inside the server ({@code [0 lua]}): INFO commandstats counts both
 * alike. The harness brackets a measurement with {@code ECHO <marker>} from its own {@link Resp} connection; the
 * counts between two markers are exact, whatever the delivery lag of MONITOR. The harness's own commands are not
 * counted, and a top-level EVALSHA/EVAL of Breakwater's heartbeat (key {@code <prefix>:instances}) is counted apart.
 *
 * <p>MONITOR costs the server time; the timed measurements do not run under it.
 */
final class Monitor implements AutoCloseable {
  private final Socket socket;
  private final Set<String> harness;
  private final Thread reader;
  private final Map<String, Long> top = new HashMap<>();
  private final Map<String, Long> internal = new HashMap<>();
  private long heartbeats;
  private final Map<String, Counts> snapshots = new HashMap<>();
  private volatile IOException failure;

  /** Counts on the node at {@code port}; commands from {@code harnessAddresses} ({@code ip:port}) are markers only. */
  Monitor(int port, Set<String> harnessAddresses) throws IOException {
    this.harness = harnessAddresses;
    socket = new Socket();
    socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
    OutputStream out = socket.getOutputStream();
    out.write("*1\r\n$7\r\nMONITOR\r\n".getBytes(StandardCharsets.US_ASCII));
    out.flush();
    BufferedReader r = new BufferedReader(new InputStreamReader(socket.getInputStream(),
        StandardCharsets.ISO_8859_1), 1 << 16);
    String ok = r.readLine();
    if (!"+OK".equals(ok)) {
      throw new IOException("MONITOR answered " + ok);
    }
    reader = new Thread(() -> {
      try {
        String line;
        while ((line = r.readLine()) != null) {
          onLine(line);
        }
      } catch (IOException e) {
        if (!socket.isClosed()) {
          failure = e;
        }
      }
    }, "monitor-" + port);
    reader.setDaemon(true);
    reader.start();
  }

  private void onLine(String line) {
    int a = line.indexOf('[');
    int b = line.indexOf(']', a);
    if (a < 0 || b < 0) {
      return;
    }
    String inside = line.substring(a + 1, b);
    String addr = inside.substring(inside.indexOf(' ') + 1);
    int q1 = line.indexOf('"', b);
    int q2 = line.indexOf('"', q1 + 1);
    if (q1 < 0 || q2 < 0) {
      return;
    }
    String cmd = line.substring(q1 + 1, q2).toLowerCase(java.util.Locale.ROOT);
    synchronized (this) {
      if (harness.contains(addr)) {
        if (cmd.equals("echo")) {
          int q3 = line.indexOf('"', q2 + 1);
          int q4 = line.indexOf('"', q3 + 1);
          snapshots.put(line.substring(q3 + 1, q4), snapshot());
          notifyAll();
        }
        return;
      }
      if (addr.equals("lua")) {
        internal.merge(cmd, 1L, Long::sum);
      } else if ((cmd.equals("evalsha") || cmd.equals("eval")) && line.contains(":instances\"")) {
        heartbeats++;
      } else {
        top.merge(cmd, 1L, Long::sum);
      }
    }
  }

  private Counts snapshot() {
    return new Counts(new TreeMap<>(top), new TreeMap<>(internal), heartbeats);
  }

  /** The counts when the node executed {@code ECHO marker} from the harness; waits for it up to 30 s. */
  synchronized Counts await(String marker) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (!snapshots.containsKey(marker)) {
      if (failure != null) {
        throw failure;
      }
      long left = (deadline - System.nanoTime()) / 1_000_000;
      if (left <= 0) {
        throw new IOException("MONITOR never showed marker " + marker);
      }
      wait(left);
    }
    return snapshots.get(marker);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  /**
   * Commands counted up to a marker.
   *
   * @param top        commands sent by clients other than the harness, by name (heartbeats excluded)
   * @param internal   commands run inside Lua scripts, by name
   * @param heartbeats Breakwater heartbeat scripts (top-level EVALSHA/EVAL on the instances key)
   */
  record Counts(Map<String, Long> top, Map<String, Long> internal, long heartbeats) {
    Counts minus(Counts o) {
      return new Counts(diff(top, o.top), diff(internal, o.internal), heartbeats - o.heartbeats);
    }

    Counts plus(Counts o) {
      Map<String, Long> t = new TreeMap<>(top);
      o.top.forEach((k, v) -> t.merge(k, v, Long::sum));
      Map<String, Long> i = new TreeMap<>(internal);
      o.internal.forEach((k, v) -> i.merge(k, v, Long::sum));
      return new Counts(t, i, heartbeats + o.heartbeats);
    }

    long topTotal() {
      return top.values().stream().mapToLong(Long::longValue).sum();
    }

    long internalTotal() {
      return internal.values().stream().mapToLong(Long::longValue).sum();
    }

    static Counts empty() {
      return new Counts(new TreeMap<>(), new TreeMap<>(), 0);
    }

    private static Map<String, Long> diff(Map<String, Long> a, Map<String, Long> b) {
      Map<String, Long> d = new TreeMap<>();
      a.forEach((k, v) -> {
        long x = v - b.getOrDefault(k, 0L);
        if (x != 0) {
          d.put(k, x);
        }
      });
      return d;
    }
  }
}
