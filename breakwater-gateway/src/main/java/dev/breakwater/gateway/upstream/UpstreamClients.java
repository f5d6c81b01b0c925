package dev.breakwater.gateway.upstream;

import dev.breakwater.gateway.config.UpstreamConfig;
import dev.breakwater.gateway.http.RequestBody;
import dev.breakwater.gateway.http.UpstreamResponse;
import dev.breakwater.gateway.internal.EventLoops;
import dev.breakwater.gateway.response.ResponseRelay;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One upstream: pooled keep-alive clients per endpoint, tried in priority order on connection failures. Each event
 * loop gets clients of its own, so a request and its upstream connection live on the same thread: a shared pool
 * would hand half the requests to a connection of the other loop, a thread hop each way.
 */
public final class UpstreamClients {
  private static final Logger LOG = LoggerFactory.getLogger(UpstreamClients.class);
  private static final int EVENT_LOOPS = EventLoops.COUNT;
  private final List<URI> endpoints;
  private final Vertx vertx;
  private final UpstreamConfig config;
  private final ThreadLocal<HttpClient[]> loopClients = ThreadLocal.withInitial(this::newClients);
  private final List<HttpClient> all = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final HttpClient[] shared;

  /** Clients for upstream {@code u}, made on first use by each event loop. */
  public UpstreamClients(Vertx vertx, UpstreamConfig u) {
    this.vertx = vertx;
    this.config = u;
    this.endpoints = u.endpoints();
    this.shared = newClients();
  }

  private HttpClient[] newClients() {
    // The connection bound is the upstream's in all: each loop's pool gets its share.
    int perLoop = Math.max(1, (config.maxConnections() + EVENT_LOOPS - 1) / EVENT_LOOPS);
    HttpClient[] out = new HttpClient[endpoints.size()];
    for (int i = 0; i < out.length; i++) {
      URI e = endpoints.get(i);
      HttpClientOptions options = new HttpClientOptions()
          .setDefaultHost(e.getHost())
          .setDefaultPort(e.getPort() > 0 ? e.getPort() : "https".equals(e.getScheme()) ? 443 : 80)
          .setSsl("https".equals(e.getScheme()))
          .setKeepAlive(true)
          .setTcpNoDelay(true)
          .setConnectTimeout(2000);
      if (config.caFile() != null) {
        options.setTrustOptions(new io.vertx.core.net.PemTrustOptions().addCertPath(config.caFile()));
      }
      if (config.protocol() != UpstreamConfig.Protocol.HTTP1) {
        // h2c with prior knowledge (no Upgrade round trip), h2 through ALPN; many streams share a connection.
        options.setProtocolVersion(io.vertx.core.http.HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false)
            .setUseAlpn(config.protocol() == UpstreamConfig.Protocol.H2);
      }
      out[i] = vertx.createHttpClient(options, new PoolOptions().setHttp1MaxSize(perLoop).setHttp2MaxSize(perLoop));
      all.add(out[i]);
    }
    return out;
  }

  /** The clients of the calling event loop; calls from elsewhere (retries on a timer thread) share one set. */
  private HttpClient client(int endpoint) {
    return (io.vertx.core.Context.isOnEventLoopThread() ? loopClients.get() : shared)[endpoint];
  }

  /**
   * Sends one attempt. A 2xx answer comes back paused for streaming unless {@code buffer} asks for the whole body;
   * every other answer is read whole (error pages are small, and a retry or a problem+json replaces them), at most
   * {@code maxBody} bytes.
   */
  public CompletableFuture<UpstreamResponse> send(io.vertx.core.Context loop, HttpMethod method, String resource,
      MultiMap headers, RequestBody body, boolean buffer, long maxBody) {
    CompletableFuture<UpstreamResponse> out = new CompletableFuture<>();
    attempt(loop, 0, method, resource, headers, body, buffer, maxBody, out);
    return out;
  }

  /**
   * One attempt on endpoint {@code i}, always on the request's loop: the engine may start it from a Redis client's
   * thread or a timer's, and an upstream response on another loop than the caller's would be piped across threads.
   */
  private void attempt(io.vertx.core.Context loop, int i, HttpMethod method, String resource, MultiMap headers,
      RequestBody body, boolean buffer, long maxBody, CompletableFuture<UpstreamResponse> out) {
    if (Vertx.currentContext() != loop) {
      loop.runOnContext(v -> attempt(loop, i, method, resource, headers, body, buffer, maxBody, out));
      return;
    }
    if (out.isDone()) {
      return; // timed out (cancelled) before the hop ran: nothing to send
    }
    URI base = endpoints.get(i);
    String basePath = base.getPath() == null || base.getPath().equals("/") ? "" : base.getPath();
    RequestOptions ro = new RequestOptions().setMethod(method).setURI(basePath + resource).setHeaders(headers);
    client(i).request(ro)
        .compose(req -> {
          // An expected reset (ours, below) must not be reported by Vert.x as an unhandled error.
          req.exceptionHandler(e -> LOG.debug("upstream request ended: {}", e.toString()));
          out.whenComplete((x, e) -> {
            if (out.isCancelled()) {
              // The attempt timed out (on a timer's thread, maybe): stop the upstream work, on the request's loop.
              loop.runOnContext(v -> req.reset());
            }
          });
          if (body.stream() == null) {
            return req.send(body.whole());
          }
          if (body.length() >= 0) {
            req.putHeader("Content-Length", Long.toString(body.length()));
          } else {
            req.setChunked(true);
          }
          // Not send(stream): that ends the request when the stream fails, and a cut body would look complete.
          body.stream().pipe().endOnFailure(false).to(req).onFailure(e -> req.reset(0, e));
          return req.response();
        })
        .compose(resp -> {
          int status = resp.statusCode();
          if (!buffer && status >= 200 && status < 300) {
            resp.pause(); // the caller's response pipes it once the pipeline has judged the status
            resp.exceptionHandler(e -> LOG.debug("upstream answer ended early: {}", e.toString()));
            return Future.succeededFuture(new UpstreamResponse(status, resp.headers(), null, resp));
          }
          return RequestBody.readWhole(resp, maxBody, () -> resp.request().reset())
              .map(b -> new UpstreamResponse(status, resp.headers(), b));
        })
        .onSuccess(r -> {
          if (!out.complete(r)) {
            ResponseRelay.discard(r); // the attempt already timed out: nobody will read this body
          }
        })
        .onFailure(e -> {
          boolean connect = e instanceof java.net.ConnectException
              || e instanceof io.netty.channel.ConnectTimeoutException;
          if (connect && i + 1 < endpoints.size() && !out.isDone()) {
            attempt(loop, i + 1, method, resource, headers, body, buffer, maxBody, out); // next endpoint in order
          } else {
            out.completeExceptionally(e instanceof java.io.IOException ? e : new java.io.IOException(
                "upstream " + base + ": " + e, e));
          }
        });
  }

  /** Closes every client of every event loop. */
  public void close() {
    all.forEach(HttpClient::close);
  }
}
