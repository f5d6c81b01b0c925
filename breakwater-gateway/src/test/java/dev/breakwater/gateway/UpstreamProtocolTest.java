package dev.breakwater.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.breakwater.gateway.config.ConfigLoader;
import dev.breakwater.gateway.config.ConfigProblems;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** An upstream's {@code protocol} picks the HTTP version the gateway speaks to it: HTTP/1.1 by default, or h2c. */
@ExtendWith(LeakDetection.class)
class UpstreamProtocolTest {
  private final Vertx vertx = Vertx.vertx();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private HttpServer upstream;

  @BeforeEach
  void start() throws Exception {
    // Answers with the HTTP version the request came in on, and echoes a body's length.
    upstream = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b ->
        req.response().putHeader("X-Version", req.version().name()).end("received " + b.length())))
        .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() {
    vertx.close().toCompletionStage().toCompletableFuture().join();
  }

  private Gateway gateway(String protocol) {
    return Gateway.start(ConfigLoader.parse(String.join("\n",
        "server: { port: 0, bufferBodyBytes: 1024, drainTimeout: 1s }",
        "admin: { port: 0, token: " + GatewayTestSupport.TOKEN + " }",
        "upstreams:",
        "  echo: { endpoints: [ 'http://127.0.0.1:" + upstream.actualPort() + "' ]"
            + (protocol == null ? "" : ", protocol: " + protocol) + " }",
        "routes:",
        "  - { name: echo, path: /, upstream: echo, operation: echo, tenantRequired: false }"), "protocol.yaml"));
  }

  private HttpResponse<String> call(Gateway g, HttpRequest.Builder b) throws Exception {
    return http.send(b.uri(URI.create("http://127.0.0.1:" + g.port() + "/files")).timeout(Duration.ofSeconds(10))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void byDefaultTheGatewaySpeaksHttp11ToTheUpstream() throws Exception {
    Gateway g = gateway(null);
    try {
      assertThat(call(g, HttpRequest.newBuilder().GET()).headers().firstValue("X-Version")).contains("HTTP_1_1");
    } finally {
      g.close();
    }
  }

  @Test
  void withH2cReadsAndStreamedUploadsGoOverHttp2() throws Exception {
    Gateway g = gateway("h2c");
    try {
      HttpResponse<String> get = call(g, HttpRequest.newBuilder().GET());
      assertThat(get.statusCode()).isEqualTo(200);
      assertThat(get.headers().firstValue("X-Version")).contains("HTTP_2");
      byte[] upload = new byte[64 * 1024]; // above bufferBodyBytes: streamed
      HttpResponse<String> put = call(g, HttpRequest.newBuilder().header("Content-Type", "application/octet-stream")
          .PUT(HttpRequest.BodyPublishers.ofByteArray(upload)));
      assertThat(put.statusCode()).isEqualTo(200);
      assertThat(put.headers().firstValue("X-Version")).contains("HTTP_2");
      assertThat(put.body()).isEqualTo("received " + upload.length);
    } finally {
      g.close();
    }
  }

  @Test
  void withH2TheGatewayNegotiatesHttp2OverTlsWithAnUpstreamItsCaFileTrusts(@org.junit.jupiter.api.io.TempDir
      java.nio.file.Path dir) throws Exception {
    // A key pair for "localhost" from the JDK's own keytool, and its certificate as PEM for the gateway to trust.
    String keytool = java.nio.file.Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    java.nio.file.Path store = dir.resolve("upstream.p12");
    java.nio.file.Path pem = dir.resolve("upstream-ca.pem");
    run(keytool, "-genkeypair", "-alias", "upstream", "-keyalg", "EC", "-groupname", "secp256r1", "-dname",
        "CN=localhost", "-ext", "SAN=dns:localhost", "-validity", "2", "-storetype", "PKCS12", "-keystore",
        store.toString(), "-storepass", "changeit", "-keypass", "changeit");
    run(keytool, "-exportcert", "-rfc", "-alias", "upstream", "-keystore", store.toString(), "-storepass", "changeit",
        "-file", pem.toString());
    HttpServer tls = vertx.createHttpServer(new io.vertx.core.http.HttpServerOptions().setSsl(true).setUseAlpn(true)
            .setKeyCertOptions(new io.vertx.core.net.PfxOptions().setPath(store.toString()).setPassword("changeit")))
        .requestHandler(req -> req.response().putHeader("X-Version", req.version().name()).end("tls"))
        .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    Gateway g = Gateway.start(ConfigLoader.parse(String.join("\n",
        "server: { port: 0, drainTimeout: 1s }",
        "admin: { port: 0, token: " + GatewayTestSupport.TOKEN + " }",
        "upstreams:",
        "  secure: { endpoints: [ 'https://localhost:" + tls.actualPort() + "' ], protocol: h2, caFile: '" + pem
            + "' }",
        "routes:",
        "  - { name: secure, path: /, upstream: secure, operation: secure, tenantRequired: false }"), "tls.yaml"));
    try {
      HttpResponse<String> r = call(g, HttpRequest.newBuilder().GET());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("X-Version")).contains("HTTP_2");
      assertThat(r.body()).isEqualTo("tls");
    } finally {
      g.close();
    }
  }

  private static void run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(String.join(" ", command) + ": " + out).isZero();
  }

  @Test
  void aProtocolThatDoesNotFitTheEndpointsSchemeIsRefusedWithItsLine() {
    assertThatThrownBy(() -> ConfigLoader.parse(String.join("\n",
        "upstreams:",
        "  graph: { endpoints: [ 'http://127.0.0.1:9000' ], protocol: h2 }",
        "routes:",
        "  - { name: r, path: /, upstream: graph, operation: r }"), "bad.yaml"))
        .isInstanceOf(ConfigProblems.class)
        .hasMessageContaining("bad.yaml:2: upstreams.graph.protocol: \"h2\" (expected: https:// endpoints only");
    assertThatThrownBy(() -> ConfigLoader.parse(String.join("\n",
        "upstreams:",
        "  graph: { endpoints: [ 'http://127.0.0.1:9000' ], protocol: http2 }",
        "routes:",
        "  - { name: r, path: /, upstream: graph, operation: r }"), "bad.yaml"))
        .isInstanceOf(ConfigProblems.class).hasMessageContaining("upstreams.graph.protocol: \"http2\"");
    assertThatThrownBy(() -> ConfigLoader.parse(String.join("\n",
        "upstreams:",
        "  graph: { endpoints: [ 'https://graph.example' ], caFile: /no/such/ca.pem }",
        "routes:",
        "  - { name: r, path: /, upstream: graph, operation: r }"), "bad.yaml"))
        .isInstanceOf(ConfigProblems.class)
        .hasMessageContaining("bad.yaml:2: upstreams.graph.caFile: \"/no/such/ca.pem\" (expected: a readable PEM file");
  }
}
