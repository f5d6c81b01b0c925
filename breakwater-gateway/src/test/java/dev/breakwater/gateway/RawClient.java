package dev.breakwater.gateway;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A client on a plain {@link Socket}: sends bytes exactly as given and reads HTTP/1.1 answers, so that a test sees
 * what a server does with requests no HTTP library would send. Reads wait at most {@link #WAIT_MILLIS}: a generous
 * bound for "the server answers or closes", never a measurement.
 */
final class RawClient implements AutoCloseable {
  static final int WAIT_MILLIS = 15_000;
  private final Socket socket;
  private final InputStream in;

  RawClient(int port) throws IOException {
    socket = new Socket(InetAddress.getLoopbackAddress(), port);
    socket.setSoTimeout(WAIT_MILLIS);
    in = socket.getInputStream();
  }

  /** One answer: its status line, its head as text and its body. */
  record Answer(String statusLine, String head, String body) {
    int status() {
      return Integer.parseInt(statusLine.split(" ")[1]);
    }

    String header(String name) {
      for (String line : head.split("\r\n")) {
        int colon = line.indexOf(':');
        if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
          return line.substring(colon + 1).trim();
        }
      }
      return null;
    }
  }

  RawClient send(String ascii) throws IOException {
    return send(ascii.getBytes(StandardCharsets.ISO_8859_1));
  }

  RawClient send(byte[] bytes) throws IOException {
    socket.getOutputStream().write(bytes);
    socket.getOutputStream().flush();
    return this;
  }

  /** The next answer, or null when the server closed the connection before one. */
  Answer read() throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int c;
      try {
        c = in.read();
      } catch (SocketException e) {
        c = -1; // reset by the server: closed as well
      }
      if (c < 0) {
        if (head.size() == 0) {
          return null;
        }
        throw new IOException("connection closed inside an answer's head: " + head);
      }
      head.write(c);
      matched = (c == '\r' && (matched == 0 || matched == 2)) || (c == '\n' && (matched == 1 || matched == 3))
          ? matched + 1 : 0;
    }
    String text = head.toString(StandardCharsets.ISO_8859_1);
    String statusLine = text.substring(0, text.indexOf("\r\n"));
    Answer a = new Answer(statusLine, text, "");
    String length = a.header("Content-Length");
    byte[] body;
    if (length != null) {
      body = in.readNBytes(Integer.parseInt(length));
    } else if ("chunked".equalsIgnoreCase(a.header("Transfer-Encoding"))) {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      while (true) {
        int n = Integer.parseInt(line().trim(), 16);
        if (n == 0) {
          line();
          break;
        }
        b.write(in.readNBytes(n));
        line();
      }
      body = b.toByteArray();
    } else {
      body = new byte[0];
    }
    return new Answer(statusLine, text, new String(body, StandardCharsets.UTF_8));
  }

  /** Whether the server has closed the connection: reads until end of stream, failing on any further answer. */
  boolean closedByServer() throws IOException {
    try {
      int c = in.read();
      if (c >= 0) {
        throw new AssertionError("expected the connection closed, got more bytes starting with "
            + String.format(Locale.ROOT, "0x%02x", c));
      }
      return true;
    } catch (SocketException e) {
      return true; // reset
    } catch (java.net.SocketTimeoutException e) {
      return false;
    }
  }

  private String line() throws IOException {
    return RawUpstream.readLine(in);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
