package dev.breakwater.gateway;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Captures what the gateway logs while a test class runs: slf4j-simple (which Vert.x and Netty log through here)
 * writes to whatever {@code System.err} is at each call, so a tee on it sees every line and still shows it.
 */
public final class LogCapture implements BeforeAllCallback, AfterAllCallback {
  /** Lines that say the gateway mishandled a buffer or took a client's hang-up for a server error. */
  static final Pattern TROUBLE = Pattern.compile(
      "\\bERROR\\b|IllegalReferenceCountException|Failed to mark a promise|LEAK:");

  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
  private PrintStream original;

  @Override
  public void beforeAll(ExtensionContext context) {
    original = System.err;
    PrintStream previous = original;
    System.setErr(new PrintStream(new OutputStream() {
      @Override
      public void write(int b) {
        synchronized (captured) {
          captured.write(b);
        }
        previous.write(b);
      }

      @Override
      public void write(byte[] b, int off, int len) {
        synchronized (captured) {
          captured.write(b, off, len);
        }
        previous.write(b, off, len);
      }
    }, true, StandardCharsets.UTF_8));
  }

  @Override
  public void afterAll(ExtensionContext context) {
    System.setErr(original);
  }

  /** Every line logged so far. */
  List<String> lines() {
    synchronized (captured) {
      return Arrays.asList(captured.toString(StandardCharsets.UTF_8).split("\n"));
    }
  }

  /** The logged lines that name trouble (see {@link #TROUBLE}). */
  List<String> trouble() {
    return lines().stream().filter(l -> TROUBLE.matcher(l).find()).toList();
  }

  /** Forgets what was captured so far. */
  void clear() {
    synchronized (captured) {
      captured.reset();
    }
  }
}
