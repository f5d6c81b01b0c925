package dev.breakwater.gateway;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * An upstream on a plain {@link ServerSocket} that records the raw bytes of every request line it receives (no HTTP
 * library in between to decode or re-encode them) and answers each request {@code 200 ok}.
 */
final class RawUpstream implements AutoCloseable {
  private final ServerSocket server;
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "raw-upstream");
    t.setDaemon(true);
    return t;
  });
  private final List<String> requestLines = new CopyOnWriteArrayList<>();
  private final List<byte[]> rawTargets = new CopyOnWriteArrayList<>();

  RawUpstream() throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    threads.execute(this::accept);
  }

  int port() {
    return server.getLocalPort();
  }

  /** Every request line received, bytes read as ISO-8859-1 (one char per byte). */
  List<String> requestLines() {
    return List.copyOf(requestLines);
  }

  /** The request targets received, exactly as their bytes came. */
  List<byte[]> rawTargets() {
    return List.copyOf(rawTargets);
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        threads.execute(() -> serve(s));
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket s) {
    try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
      while (true) {
        byte[] head = readHead(in);
        if (head == null) {
          return;
        }
        String text = new String(head, StandardCharsets.ISO_8859_1);
        String line = text.substring(0, text.indexOf("\r\n"));
        requestLines.add(line);
        int sp1 = line.indexOf(' ');
        int sp2 = line.lastIndexOf(' ');
        byte[] target = new byte[sp2 - sp1 - 1];
        System.arraycopy(head, sp1 + 1, target, 0, target.length);
        rawTargets.add(target);
        skipBody(in, text.toLowerCase(java.util.Locale.ROOT));
        out.write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"
            .getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
      }
    } catch (IOException | RuntimeException e) {
      // the gateway closed its pooled connection
    }
  }

  private static byte[] readHead(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int c = in.read();
      if (c < 0) {
        return null;
      }
      b.write(c);
      matched = (c == '\r' && (matched == 0 || matched == 2)) || (c == '\n' && (matched == 1 || matched == 3))
          ? matched + 1 : 0;
    }
    return b.toByteArray();
  }

  private static void skipBody(InputStream in, String head) throws IOException {
    int cl = head.indexOf("\r\ncontent-length:");
    if (cl >= 0) {
      int end = head.indexOf("\r\n", cl + 2);
      long n = Long.parseLong(head.substring(cl + 17, end).trim());
      in.readNBytes((int) n);
    } else if (head.contains("\r\ntransfer-encoding: chunked")) {
      while (true) {
        String size = readLine(in);
        int semi = size.indexOf(';');
        int n = Integer.parseInt((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
        if (n == 0) {
          while (!readLine(in).isEmpty()) {
            // trailers
          }
          return;
        }
        in.readNBytes(n);
        readLine(in);
      }
    }
  }

  /** One line of a raw HTTP/1 exchange, without its CR LF (one char per byte, as Netty reads it). */
  static String readLine(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    int c;
    while ((c = in.read()) >= 0 && c != '\n') {
      if (c != '\r') {
        sb.append((char) c);
      }
    }
    return sb.toString();
  }

  @Override
  public void close() throws IOException {
    server.close();
    threads.shutdownNow();
  }
}
