package dev.breakwater.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.gateway.config.ConfigLoader;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Closing the gateway lets the calls in flight finish and answers new ones 503 MAINTENANCE meanwhile. */
@ExtendWith(LeakDetection.class)
class GracefulShutdownTest {

  @Test
  void aCallInFlightFinishesWhileNewCallsAreAnsweredMaintenance() throws Exception {
    Vertx vertx = Vertx.vertx();
    CompletableFuture<Void> arrived = new CompletableFuture<>();
    CompletableFuture<Void> release = new CompletableFuture<>();
    HttpServer upstream = vertx.createHttpServer().requestHandler(req -> {
      arrived.complete(null);
      release.thenRun(() -> vertx.runOnContext(v -> req.response().end("{\"done\":true}")));
    }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    Gateway gateway = Gateway.start(ConfigLoader.parse(String.join("\n",
        "server: { port: 0, drainTimeout: 30s }",
        "admin: { port: 0, token: " + GatewayTestSupport.TOKEN + " }",
        "upstreams:",
        "  slow: { endpoints: [ 'http://127.0.0.1:" + upstream.actualPort() + "' ] }",
        "routes:",
        "  - { name: slow, path: /slow, upstream: slow, operation: slow, tenantRequired: false }"), "drain.yaml"));
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    URI slow = URI.create("http://127.0.0.1:" + gateway.port() + "/slow");
    try {
      CompletableFuture<HttpResponse<String>> inFlight = http.sendAsync(HttpRequest.newBuilder(slow).build(),
          HttpResponse.BodyHandlers.ofString());
      arrived.get(10, TimeUnit.SECONDS);
      CompletableFuture<Void> closed = CompletableFuture.runAsync(gateway::close);
      // Readiness turns 503 the moment the drain starts (a load balancer stops sending); then a new call is refused.
      URI ready = URI.create("http://127.0.0.1:" + gateway.adminPort() + "/health/ready");
      for (int i = 0; i < 1000 && http.send(HttpRequest.newBuilder(ready).build(),
          HttpResponse.BodyHandlers.ofString()).statusCode() != 503; i++) {
        Thread.sleep(10);
      }
      HttpResponse<String> refused = http.send(HttpRequest.newBuilder(slow).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(refused.statusCode()).isEqualTo(503);
      assertThat(refused.body()).contains("\"code\":\"MAINTENANCE\"").contains("\"retry_after_seconds\":");
      assertThat(refused.headers().firstValue("Retry-After")).isPresent();
      assertThat(closed).isNotDone();
      release.complete(null);
      HttpResponse<String> finished = inFlight.get(10, TimeUnit.SECONDS);
      assertThat(finished.statusCode()).isEqualTo(200);
      assertThat(finished.body()).isEqualTo("{\"done\":true}");
      closed.get(10, TimeUnit.SECONDS);
    } finally {
      release.complete(null);
      vertx.close().toCompletionStage().toCompletableFuture().join();
    }
  }
}
