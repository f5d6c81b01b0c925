package dev.breakwater;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.breakwater.classify.HttpClassifier;
import dev.breakwater.config.PipelineConfig;
import dev.breakwater.config.Policies;
import dev.breakwater.config.TimeoutConfig;
import dev.breakwater.retry.RetryConfig;
import dev.breakwater.time.TimeSource;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The library around a real HTTP client and a real HTTP server on loopback: the README's quick tour, end to end.
 * The server throttles one tenant with 429 + Retry-After and fails another path with 500.
 */
class HttpEndToEndTest {
  private HttpServer server;
  private final HttpClient http = HttpClient.newHttpClient();
  private final ConcurrentHashMap<String, AtomicInteger> hits = new ConcurrentHashMap<>();
  private Pipeline<HttpResponse<String>> mail;
  private URI base;

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> {
      String tenant = exchange.getRequestHeaders().getFirst("X-Tenant");
      String path = exchange.getRequestURI().getPath();
      hits.computeIfAbsent(tenant + " " + path, k -> new AtomicInteger()).incrementAndGet();
      int status = 200;
      if ("noisy".equals(tenant)) {
        status = 429;
        exchange.getResponseHeaders().add("Retry-After", "120");
      } else if (path.startsWith("/broken")) {
        status = 500;
      } else if (path.startsWith("/missing")) {
        status = 404;
      }
      byte[] body = ("{\"path\":\"" + path + "\"}").getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(status, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
    base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    Breakwater bw = Breakwater.builder().policies(Policies.builder()
        .timeout("graph", TimeoutConfig.of(Duration.ofSeconds(5), Duration.ofSeconds(10)))
        .retry("graph", RetryConfig.defaults().withBackoff(Duration.ofMillis(1), Duration.ofMillis(5)))
        .build()).build();
    mail = bw.<HttpResponse<String>>pipeline(PipelineConfig.named("graph-mail").withUpstream("graph")
            .withTimeout("graph").withRetry("graph").withThrottleGate(true))
        .classifier(new HttpClassifier<>(HttpResponse::statusCode,
            (r, name) -> r.headers().firstValue(name).orElse(null), TimeSource.system()))
        .build();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private HttpRequest get(String tenant, String path) {
    return HttpRequest.newBuilder(base.resolve(path)).header("X-Tenant", tenant).build();
  }

  private BreakwaterException failure(String tenant, String path, boolean async) {
    CallContext ctx = CallContext.read(tenant, "list");
    try {
      if (async) {
        mail.executeAsync(ctx, () -> http.sendAsync(get(tenant, path), BodyHandlers.ofString()))
            .toCompletableFuture().join();
      } else {
        mail.execute(ctx, () -> http.send(get(tenant, path), BodyHandlers.ofString()));
      }
    } catch (BreakwaterException e) {
      return e;
    } catch (java.util.concurrent.CompletionException e) {
      return (BreakwaterException) e.getCause();
    }
    throw new AssertionError("expected a failure");
  }

  @Test
  void aSuccessAndAPassedThrough404() throws Exception {
    assertThat(mail.execute(CallContext.read("contoso", "list"),
        () -> http.send(get("contoso", "/me/messages"), BodyHandlers.ofString())).statusCode()).isEqualTo(200);
    assertThat(mail.executeAsync(CallContext.read("contoso", "get"),
        () -> http.sendAsync(get("contoso", "/missing/1"), BodyHandlers.ofString()))
        .toCompletableFuture().join().statusCode()).isEqualTo(404);
    assertThat(hits.get("contoso /missing/1")).as("a 404 is an answer, not retried").hasValue(1);
  }

  @Test
  void a500IsRetriedThenReportedAsUpstreamError() {
    assertThat(failure("contoso", "/broken", false).code()).isEqualTo(ErrorCode.UPSTREAM_ERROR);
    assertThat(failure("contoso", "/broken-async", true).code()).isEqualTo(ErrorCode.UPSTREAM_ERROR);
    assertThat(hits.get("contoso /broken")).hasValue(3);
    assertThat(hits.get("contoso /broken-async")).hasValue(3);
  }

  @Test
  void a429WithRetryAfterPastTheDeadlineFailsAtOnceAndHoldsTheTenantsLaterCalls() {
    BreakwaterException first = failure("noisy", "/me/messages", false);
    assertThat(first.code()).isEqualTo(ErrorCode.THROTTLED);
    assertThat(first.retryAfter()).contains(Duration.ofSeconds(120));
    BreakwaterException held = failure("noisy", "/me/events", true);
    assertThat(held.code()).isEqualTo(ErrorCode.THROTTLED);
    assertThat(held.retryAfter().orElseThrow()).isBetween(Duration.ofSeconds(100), Duration.ofSeconds(120));
    assertThat(hits.get("noisy /me/messages")).hasValue(1);
    assertThat(hits).doesNotContainKey("noisy /me/events");
  }
}
