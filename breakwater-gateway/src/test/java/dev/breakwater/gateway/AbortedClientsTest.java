package dev.breakwater.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.gateway.config.ConfigLoader;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Clients that hang up (a TCP reset) while their answer is on its way: the gateway frees what it holds, releases no
 * buffer twice, leaks none (the leak detector runs at PARANOID), and logs nothing at ERROR — a client leaving is not
 * a server error. Each scenario is the tester's reproduction: a GET, then a reset 10 ms later, 50 times (150 here, to make a rare race likely).
 */
@ExtendWith(LeakDetection.class)
class AbortedClientsTest {
  @RegisterExtension
  static final LogCapture LOG = new LogCapture();

  private static final int ABORTS = 150;
  private static final int LARGE = 8 * 1024 * 1024;

  private final Vertx vertx = Vertx.vertx();
  private final HttpClient http = HttpClient.newHttpClient();
  private HttpServer upstream;
  private Gateway gateway;

  @BeforeEach
  void start() throws Exception {
    Buffer small = Buffer.buffer("{\"value\":[" + "\"x\",".repeat(500) + "\"x\"]}");
    upstream = vertx.createHttpServer().requestHandler(req -> {
      var res = req.response();
      switch (req.path()) {
        case "/graph/slow" -> { // the head and a first chunk now, the rest later: a hang-up lands mid-body
          res.setChunked(true).write(Buffer.buffer(new byte[1024]));
          vertx.setTimer(100, t -> {
            if (!res.closed()) {
              res.end(Buffer.buffer(new byte[64 * 1024]));
            }
          });
        }
        case "/graph/large" -> res.putHeader("Content-Length", Integer.toString(LARGE))
            .end(Buffer.buffer(new byte[LARGE]));
        default -> res.putHeader("Content-Type", "application/json").end(small);
      }
    }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    String yaml = String.join("\n",
        "server: { port: 0, drainTimeout: 1s }",
        "admin: { port: 0, token: " + GatewayTestSupport.TOKEN + " }",
        "policies:",
        "  timeouts:",
        "    t: { attempt: 5s, deadline: 10s }",
        "upstreams:",
        "  u:",
        "    endpoints: [ 'http://127.0.0.1:" + upstream.actualPort() + "' ]",
        "    timeout: t",
        "routes:",
        "  - { name: graph, path: /graph, upstream: u, operation: read, tenantRequired: false }",
        "");
    gateway = Gateway.start(ConfigLoader.parse(yaml, "aborted.yaml"));
    LOG.clear();
  }

  @AfterEach
  void stop() throws Exception {
    gateway.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void clientsThatResetRightAfterAskingLeaveNoErrorAndNoDoubleRelease() throws Exception {
    abortFiftyTimes("/graph/x");
    assertCleanAfterwards();
  }

  @Test
  void clientsThatResetWhileASlowUpstreamIsMidBodyLeaveNoErrorAndNoDoubleRelease() throws Exception {
    abortFiftyTimes("/graph/slow");
    assertCleanAfterwards();
  }

  @Test
  void clientsThatResetWhileALargeBodyStreamsLeaveNoErrorAndNoDoubleRelease() throws Exception {
    abortFiftyTimes("/graph/large");
    assertCleanAfterwards();
  }

  private void abortFiftyTimes(String path) throws Exception {
    byte[] get = ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Tenant-Id: t1\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
    for (int i = 0; i < ABORTS; i++) {
      try (Socket s = new Socket("127.0.0.1", gateway.port())) {
        OutputStream out = s.getOutputStream();
        out.write(get);
        out.flush();
        Thread.sleep(10);
        s.setSoLinger(true, 0); // close() now sends a reset instead of a FIN
      }
    }
  }

  private void assertCleanAfterwards() throws Exception {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (gateway.inFlight() > 0 && System.nanoTime() < until) {
      Thread.sleep(10);
    }
    assertThat(gateway.inFlight()).as("calls still in flight after every client left").isZero();
    // The gateway still serves, and its log says nothing went wrong.
    HttpResponse<String> after = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port()
        + "/graph/x")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(after.statusCode()).isEqualTo(200);
    Thread.sleep(200); // let late close events of the aborted connections reach the log
    assertThat(LOG.trouble()).as("log lines naming trouble").isEmpty();
  }
}
