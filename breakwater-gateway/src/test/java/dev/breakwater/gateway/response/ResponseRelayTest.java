package dev.breakwater.gateway.response;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.CallResult;
import dev.breakwater.Source;
import dev.breakwater.gateway.http.UpstreamResponse;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every request gets an answer, written on its own event loop: whatever thread completes the pipeline's outcome, a
 * writer that throws, or an outcome that never comes (answered 504 at the route's deadline). A real server over real
 * sockets, because the thread a write happens on is what these tests are about.
 */
class ResponseRelayTest {
  private final Vertx vertx = Vertx.vertx();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private HttpServer server;

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private HttpResponse<String> get(Consumer<HttpServerRequest> handler) throws Exception {
    server = vertx.createHttpServer().requestHandler(handler::accept).listen(0, "127.0.0.1")
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort() + "/x"))
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static CallResult<UpstreamResponse> whole(String body) {
    return new CallResult<>(new UpstreamResponse(200, MultiMap.caseInsensitiveMultiMap(), Buffer.buffer(body)),
        Source.UPSTREAM);
  }

  @Test
  void anOutcomeThatNeverCompletesIsAnswered504AtTheDeadline() throws Exception {
    HttpResponse<String> r = get(req -> ResponseRelay.of(req, "cid-1", () -> { })
        .answer(new CompletableFuture<>(), 200, (result, error) -> {
          throw new AssertionError("no outcome, so nothing to write");
        }));
    assertThat(r.statusCode()).isEqualTo(504);
    assertThat(r.headers().firstValue("Content-Type")).contains("application/problem+json");
    assertThat(r.body()).contains("\"code\":\"TIMEOUT\"").contains("deadline of 200 ms")
        .contains("\"correlation_id\":\"cid-1\"");
  }

  @Test
  void anOutcomeCompletedOnAForeignThreadIsWrittenOnTheRequestsEventLoop() throws Exception {
    AtomicReference<Thread> requestThread = new AtomicReference<>();
    AtomicReference<Thread> writerThread = new AtomicReference<>();
    HttpResponse<String> r = get(req -> {
      requestThread.set(Thread.currentThread());
      ResponseRelay relay = ResponseRelay.of(req, "cid-2", () -> { });
      CompletableFuture<CallResult<UpstreamResponse>> outcome = new CompletableFuture<>();
      relay.answer(outcome, 0, (result, error) -> {
        writerThread.set(Thread.currentThread());
        return relay.relay(result);
      });
      // As a Redis client's thread completes a rate-limit decision.
      new Thread(() -> outcome.complete(whole("{\"ok\":true}")), "not-an-event-loop").start();
    });
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("{\"ok\":true}");
    assertThat(r.headers().firstValue("X-Correlation-Id")).contains("cid-2");
    assertThat(writerThread.get()).isSameAs(requestThread.get());
  }

  @Test
  void aWriterThatThrowsStillAnswersWithA502Problem() throws Exception {
    HttpResponse<String> r = get(req -> ResponseRelay.of(req, "cid-3", () -> { })
        .answer(CompletableFuture.completedFuture(whole("{}")), 0, (result, error) -> {
          throw new IllegalStateException("a bug while answering");
        }));
    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(r.body()).contains("\"code\":\"UPSTREAM_ERROR\"")
        .contains("could not relay the upstream's answer").doesNotContain("IllegalStateException");
  }

  @Test
  void anOutcomeArrivingAfterTheDeadlinesAnswerIsNotWrittenAgain() throws Exception {
    CompletableFuture<CallResult<UpstreamResponse>> late = new CompletableFuture<>();
    AtomicReference<io.vertx.core.Context> loop = new AtomicReference<>();
    java.util.concurrent.atomic.AtomicBoolean written = new java.util.concurrent.atomic.AtomicBoolean();
    HttpResponse<String> r = get(req -> {
      loop.set(Vertx.currentContext());
      ResponseRelay.of(req, "cid-4", () -> { }).answer(late, 100, (result, error) -> {
        written.set(true);
        return CompletableFuture.completedFuture(null);
      });
    });
    assertThat(r.statusCode()).isEqualTo(504);
    late.complete(whole("too late")); // queues its hop to the request's loop
    CompletableFuture<Void> afterHop = new CompletableFuture<>();
    loop.get().runOnContext(v -> afterHop.complete(null));
    afterHop.get(10, TimeUnit.SECONDS);
    assertThat(written).isFalse();
  }
}
