package dev.breakwater.redis.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A minimal RESP2 client that opens one loopback connection per command, so the test fixtures never depend on the
 * module's own Redis code (or on Lettuce) to decide whether a server is up.
 */
public final class RespClient {
  /** The loopback address every test server binds to. */
  public static final String HOST = "127.0.0.1";

  /** The port of the workstation's shared Redis, which tests must never touch. */
  static final int SHARED_REDIS_PORT = 6379;

  private static final Duration CONNECT_TIMEOUT = Duration.ofMillis(500);
  private static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(5);

  private RespClient() {}

  /** An error reply ({@code -ERR ...}) from the server. */
  public static final class RespError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    RespError(String message) {
      super(message);
    }
  }

  /**
   * Sends one command to {@code 127.0.0.1:port} and returns the reply: {@link String}, {@link Long}, {@link List} or
   * {@code null}; throws {@link RespError} for an error reply and {@link UncheckedIOException} when unreachable.
   */
  public static Object call(int port, String... command) {
    return call(port, DEFAULT_READ_TIMEOUT, command);
  }

  /** Like {@link #call(int, String...)} with an explicit read timeout. */
  public static Object call(int port, Duration readTimeout, String... command) {
    guard(port);
    if (command.length == 0) {
      throw new IllegalArgumentException("empty command");
    }
    try (Socket socket = new Socket()) {
      socket.setTcpNoDelay(true);
      socket.connect(new InetSocketAddress(HOST, port), (int) CONNECT_TIMEOUT.toMillis());
      socket.setSoTimeout((int) readTimeout.toMillis());
      OutputStream out = socket.getOutputStream();
      out.write(encode(command));
      out.flush();
      return read(new BufferedInputStream(socket.getInputStream()));
    } catch (IOException e) {
      throw new UncheckedIOException("RESP " + command[0] + " to " + HOST + ":" + port + " failed: " + e, e);
    }
  }

  /** Whether {@code 127.0.0.1:port} answers {@code PING} with {@code PONG} right now; never throws. */
  public static boolean ping(int port) {
    try {
      return "PONG".equals(call(port, Duration.ofSeconds(1), "PING"));
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** {@code INFO section} parsed into {@code key -> value} (section headers and blank lines dropped). */
  public static Map<String, String> info(int port, String section) {
    return parseFields((String) call(port, "INFO", section));
  }

  /** Parses {@code key:value} lines such as those of {@code INFO} or {@code CLUSTER INFO}. */
  public static Map<String, String> parseFields(String text) {
    Map<String, String> fields = new LinkedHashMap<>();
    if (text == null) {
      return fields;
    }
    for (String line : text.split("\r?\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && !line.startsWith("#")) {
        fields.put(line.substring(0, colon), line.substring(colon + 1).trim());
      }
    }
    return fields;
  }

  // The fixtures only ever start servers on free ephemeral ports, so a 6379 here is always a bug worth failing on.
  static void guard(int port) {
    if (port == SHARED_REDIS_PORT) {
      throw new IllegalArgumentException("refusing to talk to the shared Redis on port 6379");
    }
    if (port <= 0 || port > 65535) {
      throw new IllegalArgumentException("bad port " + port);
    }
  }

  private static byte[] encode(String... command) {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    writeAscii(buffer, "*" + command.length + "\r\n");
    for (String arg : command) {
      byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
      writeAscii(buffer, "$" + bytes.length + "\r\n");
      buffer.writeBytes(bytes);
      writeAscii(buffer, "\r\n");
    }
    return buffer.toByteArray();
  }

  private static void writeAscii(ByteArrayOutputStream buffer, String text) {
    buffer.writeBytes(text.getBytes(StandardCharsets.US_ASCII));
  }

  private static Object read(InputStream in) throws IOException {
    int type = in.read();
    if (type < 0) {
      throw new EOFException("connection closed before a reply");
    }
    String line = readLine(in);
    switch (type) {
      case '+':
        return line;
      case '-':
        throw new RespError(line);
      case ':':
        return Long.parseLong(line);
      case '$': {
        int length = Integer.parseInt(line);
        if (length < 0) {
          return null;
        }
        byte[] bytes = in.readNBytes(length);
        if (bytes.length < length) {
          throw new EOFException("truncated bulk string");
        }
        readLine(in);
        return new String(bytes, StandardCharsets.UTF_8);
      }
      case '*': {
        int count = Integer.parseInt(line);
        if (count < 0) {
          return null;
        }
        List<Object> items = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
          try {
            items.add(read(in));
          } catch (RespError e) {
            // An error inside an array (e.g. from EXEC) is a value, not a failure of the whole reply.
            items.add(e);
          }
        }
        return items;
      }
      default:
        throw new IOException("unexpected RESP type byte '" + (char) type + "' followed by: " + line);
    }
  }

  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int previous = -1;
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException("connection closed mid-reply");
      }
      if (previous == '\r' && b == '\n') {
        byte[] bytes = line.toByteArray();
        return new String(bytes, 0, bytes.length - 1, StandardCharsets.UTF_8);
      }
      line.write(b);
      previous = b;
    }
  }
}
