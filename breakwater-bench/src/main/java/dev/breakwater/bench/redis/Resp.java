package dev.breakwater.bench.redis;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A minimal blocking RESP2 client on a plain socket, for the harness's own commands (CONFIG RESETSTAT, INFO, ECHO
 * markers, SCRIPT FLUSH). It is not Lettuce on purpose: its local address is known, so {@link Monitor} can tell the
 * harness's commands from the ones under test.
 */
final class Resp implements AutoCloseable {
  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  Resp(String host, int port) throws IOException {
    socket = new Socket();
    socket.setTcpNoDelay(true);
    socket.connect(new InetSocketAddress(host, port), 2000);
    socket.setSoTimeout(30_000);
    in = new BufferedInputStream(socket.getInputStream());
    out = new BufferedOutputStream(socket.getOutputStream());
  }

  /** How Redis names this connection in MONITOR output and CLIENT LIST: {@code ip:port}. */
  String localAddress() {
    return socket.getLocalAddress().getHostAddress() + ":" + socket.getLocalPort();
  }

  /** Sends one command and reads its reply: String (simple or bulk), Long, List, null, or a RespError. */
  synchronized Object call(String... args) throws IOException {
    StringBuilder sb = new StringBuilder().append('*').append(args.length).append("\r\n");
    for (String a : args) {
      byte[] b = a.getBytes(StandardCharsets.UTF_8);
      sb.append('$').append(b.length).append("\r\n").append(a).append("\r\n");
    }
    out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
    out.flush();
    return read();
  }

  /** Like {@link #call} but fails on an error reply. */
  Object ok(String... args) throws IOException {
    Object r = call(args);
    if (r instanceof RespError e) {
      throw new IOException(String.join(" ", args) + ": " + e.message());
    }
    return r;
  }

  /** INFO commandstats as command name (e.g. {@code evalsha}, {@code config|resetstat}) to {calls, failed_calls}. */
  Map<String, long[]> commandStats() throws IOException {
    Map<String, long[]> m = new HashMap<>();
    for (String line : ((String) ok("INFO", "commandstats")).split("\r\n")) {
      if (!line.startsWith("cmdstat_")) {
        continue;
      }
      String name = line.substring("cmdstat_".length(), line.indexOf(':'));
      long calls = 0;
      long failed = 0;
      for (String kv : line.substring(line.indexOf(':') + 1).split(",")) {
        String[] p = kv.split("=");
        if (p[0].equals("calls")) {
          calls = Long.parseLong(p[1]);
        } else if (p[0].equals("failed_calls")) {
          failed = Long.parseLong(p[1]);
        }
      }
      m.put(name, new long[] {calls, failed});
    }
    return m;
  }

  /** CPU seconds redis-server has used (user + sys, main thread and children). */
  double serverCpuSeconds() throws IOException {
    double s = 0;
    for (String line : ((String) ok("INFO", "cpu")).split("\r\n")) {
      if (line.startsWith("used_cpu_sys:") || line.startsWith("used_cpu_user:")) {
        s += Double.parseDouble(line.substring(line.indexOf(':') + 1));
      }
    }
    return s;
  }

  private Object read() throws IOException {
    int t = in.read();
    if (t < 0) {
      throw new IOException("connection closed");
    }
    String line = readLine();
    switch (t) {
      case '+':
        return line;
      case '-':
        return new RespError(line);
      case ':':
        return Long.parseLong(line);
      case '$': {
        int n = Integer.parseInt(line);
        if (n < 0) {
          return null;
        }
        byte[] b = in.readNBytes(n + 2);
        return new String(b, 0, n, StandardCharsets.UTF_8);
      }
      case '*': {
        int n = Integer.parseInt(line);
        if (n < 0) {
          return null;
        }
        List<Object> l = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          l.add(read());
        }
        return l;
      }
      default:
        throw new IOException("unexpected RESP type " + (char) t);
    }
  }

  private String readLine() throws IOException {
    StringBuilder sb = new StringBuilder();
    while (true) {
      int c = in.read();
      if (c < 0) {
        throw new IOException("connection closed");
      }
      if (c == '\r') {
        in.read(); // '\n'
        return sb.toString();
      }
      sb.append((char) c);
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  /** An error reply. */
  record RespError(String message) {}
}
