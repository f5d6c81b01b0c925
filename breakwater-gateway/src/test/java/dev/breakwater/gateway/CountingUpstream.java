package dev.breakwater.gateway;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tiny upstream on a loopback port that counts the requests reaching it: each answer's body names its number, so a
 * test sees whether an answer came from the upstream or from the gateway's cache. {@code X-Test-Status} sets the
 * status.
 */
final class CountingUpstream implements AutoCloseable {
  final AtomicInteger calls = new AtomicInteger();
  private final Vertx vertx = Vertx.vertx();
  private final HttpServer server;

  CountingUpstream() {
    server = vertx.createHttpServer().requestHandler(req -> req.body().onComplete(b -> {
      int n = calls.incrementAndGet();
      String status = req.getHeader("X-Test-Status");
      req.response().setStatusCode(status == null ? (req.method().name().equals("GET") ? 200 : 201)
          : Integer.parseInt(status)).putHeader("Content-Type", "application/json")
          .end("{\"call\":" + n + ",\"path\":\"" + req.path() + "\"}");
    })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().join();
  }

  int port() {
    return server.actualPort();
  }

  @Override
  public void close() {
    vertx.close().toCompletionStage().toCompletableFuture().join();
  }
}
