package dev.breakwater.classify;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.util.Locale;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/**
 * Says in words what failed, for the detail a caller reads (a problem+json {@code detail}, an exception message):
 * never an exception's class name, which tells a caller nothing and tells an attacker what runs inside.
 */
public final class Failures {
  private Failures() {}

  /** What {@code error} means for a call to an upstream, in words. */
  public static String describe(Throwable error) {
    Throwable e = Classifier.unwrap(error);
    String message = message(e);
    if (e instanceof ConnectException || e instanceof NoRouteToHostException) {
      return "could not connect to the upstream" + (message.isEmpty() ? "" : " (" + message + ")");
    }
    if (e instanceof UnknownHostException) {
      return "the upstream's host name does not resolve" + (message.isEmpty() ? "" : " (" + message + ")");
    }
    if (e instanceof SocketTimeoutException || e instanceof TimeoutException) {
      return "the upstream did not answer in time";
    }
    if (e instanceof SSLException) {
      return "the TLS handshake with the upstream failed" + (message.isEmpty() ? "" : " (" + message + ")");
    }
    if (e instanceof ClosedChannelException) {
      return "the upstream closed the connection";
    }
    if (e instanceof IOException && !(e instanceof InterruptedIOException)) {
      String lower = message.toLowerCase(Locale.ROOT);
      if (lower.contains("reset") || lower.contains("closed") || lower.contains("broken pipe")) {
        return "the upstream closed the connection (" + message + ")";
      }
      return "network error talking to the upstream" + (message.isEmpty() ? "" : " (" + message + ")");
    }
    return "the upstream call failed" + (message.isEmpty() ? "" : " (" + message + ")");
  }

  /** The exception's own message, without any class name a wrapper put in front of it. */
  private static String message(Throwable e) {
    String m = e.getMessage();
    if (m == null || m.isBlank()) {
      return "";
    }
    // Wrappers often say "java.io.IOException: real message": keep the real message only.
    m = m.replaceAll("(?:[a-z][a-z0-9_]*\\.)+[A-Z][A-Za-z0-9_$]*(?:Exception|Error): ?", "").trim();
    return m.length() > 200 ? m.substring(0, 200) + "…" : m;
  }
}
