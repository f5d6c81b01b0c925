package dev.breakwater.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.gateway.config.ConfigLoader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** An upstream that cannot be reached is a 502 problem that says so in words, with no internal class name. */
class UpstreamFailureWordingTest {

  @Test
  void aRefusedConnectionIsA502ThatSaysTheUpstreamCouldNotBeReached() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort(); // nothing listens there once the socket is closed
    }
    String yaml = String.join("\n",
        "server: { port: 0 }",
        "admin: { port: 0, token: wording-test-token-0123456789 }",
        "upstreams:",
        "  graph: { endpoints: [ 'http://127.0.0.1:" + closed + "' ] }",
        "routes:",
        "  - { name: messages, path: /v1.0/me/messages, upstream: graph }",
        "");
    try (Gateway g = Gateway.start(ConfigLoader.parse(yaml, "wording.yaml"))) {
      HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + g.port() + "/v1.0/me/messages")).header("X-Tenant-Id", "contoso")
          .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());

      assertThat(r.statusCode()).isEqualTo(502);
      assertThat(r.body()).contains("\"code\":\"UPSTREAM_ERROR\"").contains("could not connect to the upstream")
          .doesNotContain("io.netty").doesNotContain("Exception").doesNotContain("java.");
    }
  }
}
