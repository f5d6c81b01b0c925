package dev.breakwater.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.gateway.config.ConfigLoader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The gateway's request intake, black-box: requests written byte for byte on a raw socket, answers and closes read
 * back the same way, and a raw upstream that records exactly what reached it. What the gateway must refuse never
 * reaches the upstream; what it normalises reaches it normalised.
 */
@ExtendWith(LeakDetection.class)
class RawSocketHardeningTest {
  private static final String HOST = "Host: gw\r\nX-Tenant-Id: contoso\r\n";

  private RawUpstream upstream;
  private Gateway gateway;

  @BeforeEach
  void start() throws IOException {
    upstream = new RawUpstream();
    gateway = gateway("requestHeadTimeout: 300ms, idleTimeout: 3s, maxConnectionsPerClient: 64");
  }

  private Gateway gateway(String serverOptions) {
    String yaml = String.join("\n",
        "server: { port: 0, drainTimeout: 1s" + (serverOptions.isEmpty() ? "" : ", " + serverOptions) + " }",
        "admin: { port: 0, token: " + GatewayTestSupport.TOKEN + " }",
        "policies:",
        "  timeouts: { t: { attempt: 5s, deadline: 10s } }",
        "upstreams:",
        "  app: { endpoints: [ 'http://127.0.0.1:" + upstream.port() + "' ], timeout: t }",
        "routes:",
        "  - { name: graph, path: /graph, upstream: app }",
        "  - { name: echo, path: /echo, upstream: app }");
    return Gateway.start(ConfigLoader.parse(yaml, "raw-socket.yaml"));
  }

  @AfterEach
  void stop() throws IOException {
    gateway.close();
    upstream.close();
  }

  private RawClient client() throws IOException {
    return new RawClient(gateway.port());
  }

  /** A GET whose request target is the given bytes, exactly. */
  private static byte[] get(byte[] target) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes("GET ".getBytes(StandardCharsets.ISO_8859_1));
    b.writeBytes(target);
    b.writeBytes((" HTTP/1.1\r\n" + HOST + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
    return b.toByteArray();
  }

  private static byte[] get(String target) {
    return get(target.getBytes(StandardCharsets.ISO_8859_1));
  }

  private static void assertProblem(RawClient.Answer a, int status, String detailPart) {
    assertThat(a).as("an answer").isNotNull();
    assertThat(a.status()).as(a.statusLine() + " " + a.body()).isEqualTo(status);
    assertThat(a.header("Content-Type")).isEqualTo("application/problem+json");
    assertThat(a.body()).contains("\"code\":\"INVALID_REQUEST\"").contains(detailPart);
    assertThat(a.body()).as("no internal class names").doesNotContain("Exception").doesNotContain("io.netty")
        .doesNotContain("io.vertx").doesNotContain("java.");
  }

  /** Sends one request that must be refused: one problem answer, and nothing reaches the upstream. */
  private RawClient.Answer refused(byte[] request, int status, String detailPart) throws IOException {
    try (RawClient c = client()) {
      RawClient.Answer a = c.send(request).read();
      assertProblem(a, status, detailPart);
      assertThat(upstream.requestLines()).as("what reached the upstream").isEmpty();
      return a;
    }
  }

  // ------------------------------------------------------------------------------------------- 5: framing

  @Test
  void contentLengthWithChunkedAndASmuggledSecondRequestGetOne400AndTheConnectionClosed() throws IOException {
    String smuggle = "POST /graph/orders HTTP/1.1\r\n" + HOST + "Content-Length: 40\r\n"
        + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
        + "GET /graph/SMUGGLED HTTP/1.1\r\nHost: gw\r\nX-Tenant-Id: other\r\n\r\n";
    try (RawClient c = client()) {
      RawClient.Answer a = c.send(smuggle).read();
      assertProblem(a, 400, "both Content-Length and Transfer-Encoding");
      assertThat(a.header("Connection")).isEqualToIgnoringCase("close");
      assertThat(c.closedByServer()).as("closed after the one answer").isTrue();
    }
    assertThat(upstream.requestLines()).isEmpty();
  }

  @Test
  void aTransferEncodingOtherThanChunkedIsRefusedAndTheConnectionClosed() throws IOException {
    try (RawClient c = client()) {
      RawClient.Answer a = c.send("POST /graph/orders HTTP/1.1\r\n" + HOST + "Content-Length: 5\r\n"
          + "Transfer-Encoding: xchunked\r\n\r\nhello").read();
      assertProblem(a, 400, "Transfer-Encoding");
      assertThat(c.closedByServer()).isTrue();
    }
    assertThat(upstream.requestLines()).isEmpty();
  }

  @Test
  void aTransferEncodingListWhoseLastCodingIsNotChunkedIsRefused() throws IOException {
    try (RawClient c = client()) {
      RawClient.Answer a = c.send("POST /graph/orders HTTP/1.1\r\n" + HOST
          + "Transfer-Encoding: chunked, gzip\r\n\r\n5\r\nhello\r\n0\r\n\r\n").read();
      assertProblem(a, 400, "Transfer-Encoding");
      assertThat(c.closedByServer()).isTrue();
    }
    assertThat(upstream.requestLines()).isEmpty();
  }

  @Test
  void differingContentLengthsAreRefusedAndTheConnectionClosed() throws IOException {
    try (RawClient c = client()) {
      RawClient.Answer a = c.send("POST /graph/orders HTTP/1.1\r\n" + HOST
          + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!").read();
      assertProblem(a, 400, "Content-Length");
      assertThat(c.closedByServer()).isTrue();
    }
    assertThat(upstream.requestLines()).isEmpty();
  }

  @Test
  void aContentLengthThatIsNotANumberIsRefused() throws IOException {
    try (RawClient c = client()) {
      RawClient.Answer a = c.send("POST /graph/orders HTTP/1.1\r\n" + HOST + "Content-Length: 5x\r\n\r\nhello")
          .read();
      assertProblem(a, 400, "Content-Length");
      assertThat(c.closedByServer()).isTrue();
    }
    assertThat(upstream.requestLines()).isEmpty();
  }

  // ------------------------------------------------------------------------------------------- 6: paths

  @Test
  void dotSegmentsAreResolvedBeforeTheRouteMatchAndTheUpstreamGetsTheResolvedPath() throws IOException {
    try (RawClient c = client()) {
      assertThat(c.send(get("/graph/../echo/escaped")).read().status()).isEqualTo(200);
      assertThat(c.send(get("/graph/a/./b/../c?x=1")).read().status()).isEqualTo(200);
    }
    assertThat(upstream.requestLines()).containsExactly("GET /echo/escaped HTTP/1.1", "GET /graph/a/c?x=1 HTTP/1.1");
  }

  @Test
  void percentEncodedDotSegmentsAreResolvedLikePlainOnes() throws IOException {
    try (RawClient c = client()) {
      assertThat(c.send(get("/graph/%2e%2e/echo/escaped-enc")).read().status()).isEqualTo(200);
      assertThat(c.send(get("/graph/.%2E/echo/mixed")).read().status()).isEqualTo(200);
    }
    assertThat(upstream.requestLines())
        .containsExactly("GET /echo/escaped-enc HTTP/1.1", "GET /echo/mixed HTTP/1.1");
  }

  @Test
  void aPathThatClimbsAboveTheRootIsRefused() throws IOException {
    refused(get("/graph/../../etc/passwd"), 400, "above the root");
  }

  @Test
  void anEncodedSlashInThePathIsRefused() throws IOException {
    refused(get("/graph/a%2Fb"), 400, "encoded slash");
  }

  @Test
  void anEncodedBackslashInThePathIsRefused() throws IOException {
    refused(get("/graph/a%5cb"), 400, "backslash");
  }

  @Test
  void aRawBackslashInThePathIsRefused() throws IOException {
    refused(get("/graph/..\\echo\\x"), 400, "backslash");
  }

  // ------------------------------------------------------------------------------------------- 7: bytes

  @Test
  void aRawNulInTheRequestTargetIsRefused() throws IOException {
    refused(get(new byte[] {'/', 'g', 'r', 'a', 'p', 'h', '/', 'a', 0, 'b'}), 400, "control character");
  }

  @Test
  void aPercentEncodedNulIsRefused() throws IOException {
    refused(get("/graph/a%00b"), 400, "control character");
  }

  @Test
  void percentEncodedCrLfInTheQueryIsRefused() throws IOException {
    refused(get("/graph/a?q=x%0d%0aInjected:%20yes"), 400, "control character");
  }

  @Test
  void rawBytesThatAreNotUtf8AreRefused() throws IOException {
    byte[] target = {'/', 'g', 'r', 'a', 'p', 'h', '/', (byte) 0xff, (byte) 0xfe, (byte) 0xc3, (byte) 0x28};
    refused(get(target), 400, "percent-encoded");
  }

  @Test
  void percentEncodedBytesThatAreNotUtf8AreRefused() throws IOException {
    refused(get("/graph/%ff%fe%c3%28"), 400, "UTF-8");
  }

  @Test
  void aBrokenPercentEscapeIsRefused() throws IOException {
    refused(get("/graph/100%zz"), 400, "percent");
  }

  @Test
  void wellFormedPercentEncodedUtf8GoesThroughUnchanged() throws IOException {
    try (RawClient c = client()) {
      assertThat(c.send(get("/graph/caf%C3%A9?q=a%20b")).read().status()).isEqualTo(200);
    }
    assertThat(upstream.requestLines()).containsExactly("GET /graph/caf%C3%A9?q=a%20b HTTP/1.1");
  }

  @Test
  void aHeaderValueWithANulIsRefused() throws IOException {
    byte[] head = ("GET /graph/x HTTP/1.1\r\n" + HOST + "X-Note: a\0b\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
    refused(head, 400, "header");
  }

  // ------------------------------------------------------------------------------------------- 8: connections

  @Test
  void aRequestLineOver8KiBIs414() throws IOException {
    refused(get("/graph/" + "a".repeat(10_000)), 414, "request line longer than");
  }

  @Test
  void headerLinesTrickledPastTheHeadTimeoutGetThe408AndTheConnectionClosed() throws Exception {
    try (RawClient c = client()) {
      c.send("GET /graph/slow HTTP/1.1\r\n");
      Thread writer = new Thread(() -> {
        try {
          for (int i = 0; i < 100; i++) {
            c.send("X-Line-" + i + ": x\r\n");
            Thread.sleep(100);
          }
        } catch (IOException | InterruptedException e) {
          // the gateway closed the connection: what the test waits for
        }
      });
      writer.start();
      RawClient.Answer a = c.read();
      assertThat(a.status()).isEqualTo(408);
      assertThat(c.closedByServer()).isTrue();
      writer.interrupt();
      writer.join();
    }
    assertThat(upstream.requestLines()).isEmpty();
  }

  @Test
  void aConnectionThatSendsNothingIsClosedAfterTheHeadTimeout() throws IOException {
    try (RawClient c = client()) {
      assertThat(c.closedByServer()).isTrue();
    }
  }

  @Test
  void aKeepAliveConnectionMayIdleBetweenRequestsLongerThanTheHeadTimeout() throws Exception {
    try (RawClient c = client()) {
      assertThat(c.send(get("/graph/one")).read().status()).isEqualTo(200);
      Thread.sleep(900); // three head timeouts; well inside the idle timeout
      assertThat(c.send(get("/graph/two")).read().status()).isEqualTo(200);
    }
    assertThat(upstream.requestLines()).hasSize(2);
  }

  @Test
  void aKeepAliveConnectionIsClosedAfterTheIdleTimeout() throws IOException {
    gateway.close();
    gateway = gateway("idleTimeout: 500ms");
    try (RawClient c = client()) {
      assertThat(c.send(get("/graph/one")).read().status()).isEqualTo(200);
      assertThat(c.closedByServer()).isTrue();
    }
  }

  @Test
  void binaryGarbageWithoutALineEndGetsA400AndAClose() throws IOException {
    try (RawClient c = client()) {
      RawClient.Answer a = c.send(new byte[] {(byte) 0x8f, 0x01, (byte) 0xe2, 'x', 'y', 0x7f, (byte) 0xa0}).read();
      assertProblem(a, 400, "not an HTTP request");
      assertThat(c.closedByServer()).isTrue();
    }
  }

  @Test
  void aTlsClientHelloOnTheCleartextPortIsClosedWithoutAnAnswer() throws IOException {
    // The first bytes of a TLS 1.2/1.3 ClientHello: a handshake record (0x16), version 3.1, then a length.
    byte[] hello = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc, 0x03, 0x03, 0x5a, 0x11};
    try (RawClient c = client()) {
      assertThat(c.send(hello).read()).as("no HTTP answer to a TLS client").isNull();
    }
  }

  @Test
  void connectionsBeyondTheBoundPerClientAddressAreClosed() throws Exception {
    gateway.close();
    gateway = gateway("maxConnectionsPerClient: 2");
    List<RawClient> open = new ArrayList<>();
    try {
      for (int i = 0; i < 2; i++) {
        RawClient c = client();
        open.add(c);
        assertThat(c.send(get("/graph/" + i)).read().status()).isEqualTo(200);
      }
      try (RawClient third = client()) {
        try {
          third.send(get("/graph/third"));
        } catch (IOException e) {
          // already closed by the gateway: as expected
        }
        assertThat(third.read()).as("the third connection gets no answer").isNull();
      }
      open.remove(0).close();
      // The gateway sees the close on its own time: a new connection is accepted once it has.
      boolean served = false;
      for (int attempt = 0; attempt < 100 && !served; attempt++) {
        try (RawClient again = client()) {
          RawClient.Answer a = again.send(get("/graph/again")).read();
          served = a != null && a.status() == 200;
        } catch (IOException e) {
          // refused: try again
        }
        if (!served) {
          Thread.sleep(50);
        }
      }
      assertThat(served).as("a connection is accepted again once one has closed").isTrue();
    } finally {
      for (RawClient c : open) {
        c.close();
      }
    }
    assertThat(upstream.requestLines()).doesNotContain("GET /graph/third HTTP/1.1");
  }

  @Test
  void anUndecodableHeaderLineGetsA400ThatSaysSoInWords() throws IOException {
    refused(("GET /graph/x HTTP/1.1\r\n" + HOST + "this line has no colon\r\n\r\n")
        .getBytes(StandardCharsets.ISO_8859_1), 400, "malformed request");
  }
}
