package dev.breakwater.gateway.upstream;

import dev.breakwater.gateway.config.UpstreamConfig;
import dev.breakwater.gateway.http.RequestBody;
import dev.breakwater.gateway.http.UpstreamResponse;
import dev.breakwater.gateway.internal.EventLoops;
import dev.breakwater.gateway.response.ResponseRelay;
import dev.breakwater.gateway.upstream.balance.EndpointSelector;
import dev.breakwater.gateway.upstream.balance.Outcome;
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
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One upstream: pooled keep-alive clients per endpoint; the {@link EndpointSelector} chooses which endpoint takes each
 * try and hears how it went. Each event loop gets clients of its own, so a request and its upstream connection live
 * on the same thread: a shared pool would hand half the requests to a connection of the other loop, a thread hop
 * each way.
 */
public final class UpstreamClients {
  private static final Logger LOG = LoggerFactory.getLogger(UpstreamClients.class);
  private static final int EVENT_LOOPS = EventLoops.COUNT;
  private final EndpointSelector selector;
  private final Vertx vertx;
  private final UpstreamConfig config;
  private final ThreadLocal<HttpClient[]> loopClients = ThreadLocal.withInitial(this::newClients);
  private final List<HttpClient> all = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final HttpClient[] shared;
  private final Function<String, String> movedShard;

  /**
   * Clients for upstream {@code u}, made on first use by each event loop, sending where {@code selector} says;
   * {@code movedShard} names the group an operator moved a tenant to (null: not moved).
   */
  public UpstreamClients(Vertx vertx, UpstreamConfig u, EndpointSelector selector,
      Function<String, String> movedShard) {
    this.vertx = vertx;
    this.config = u;
    this.selector = selector;
    this.movedShard = movedShard;
    this.shared = newClients();
  }

  private HttpClient[] newClients() {
    // The connection bound is the upstream's in all: each loop's pool gets its share.
    int perLoop = Math.max(1, (config.maxConnections() + EVENT_LOOPS - 1) / EVENT_LOOPS);
    HttpClient[] out = new HttpClient[selector.size()];
    for (int i = 0; i < out.length; i++) {
      URI e = selector.uri(i);
      HttpClientOptions options = options(config).setDefaultHost(e.getHost()).setDefaultPort(port(e))
          .setSsl("https".equals(e.getScheme()));
      out[i] = vertx.createHttpClient(options, new PoolOptions().setHttp1MaxSize(perLoop).setHttp2MaxSize(perLoop));
      all.add(out[i]);
    }
    return out;
  }

  /** The client options every connection to {@code u}'s endpoints shares: timeouts, keep-alive, TLS trust, protocol. */
  static HttpClientOptions options(UpstreamConfig u) {
    int idleSeconds = (int) Math.max(1, Math.min(Integer.MAX_VALUE, u.idleTimeout().toSeconds()));
    HttpClientOptions options = new HttpClientOptions()
        .setKeepAlive(true)
        .setTcpNoDelay(true)
        .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, u.connectTimeout().toMillis()))
        .setKeepAliveTimeout(idleSeconds)
        .setHttp2KeepAliveTimeout(idleSeconds);
    if (u.caFile() != null) {
      options.setTrustOptions(new io.vertx.core.net.PemTrustOptions().addCertPath(u.caFile()));
    }
    if (u.protocol() != UpstreamConfig.Protocol.HTTP1) {
      // h2c with prior knowledge (no Upgrade round trip), h2 through ALPN; many streams share a connection.
      options.setProtocolVersion(io.vertx.core.http.HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false)
          .setUseAlpn(u.protocol() == UpstreamConfig.Protocol.H2);
    }
    return options;
  }

  /** The port of {@code e}, its scheme's default when the URL names none. */
  static int port(URI e) {
    return e.getPort() > 0 ? e.getPort() : "https".equals(e.getScheme()) ? 443 : 80;
  }

  /** The endpoint selector of this upstream. */
  public EndpointSelector selector() {
    return selector;
  }

  /** The clients of the calling event loop; calls from elsewhere (retries on a timer thread) share one set. */
  private HttpClient client(int endpoint) {
    return (io.vertx.core.Context.isOnEventLoopThread() ? loopClients.get() : shared)[endpoint];
  }

  /**
   * Sends one attempt of {@code call}. A 2xx answer comes back paused for streaming unless {@code buffer} asks for the
   * whole body; every other answer is read whole (error pages are small, and a retry or a problem+json replaces
   * them), at most {@code maxBody} bytes.
   */
  public CompletableFuture<UpstreamResponse> send(io.vertx.core.Context loop, UpstreamCall call, HttpMethod method,
      String resource, MultiMap headers, RequestBody body, boolean buffer, long maxBody) {
    CompletableFuture<UpstreamResponse> out = new CompletableFuture<>();
    attempt(loop, call, new Outgoing(method, resource, headers, body, buffer, maxBody,
        selector.shardOf(call.tenant(), movedShard.apply(call.tenant()))), out);
    return out;
  }

  /** What one attempt sends, the same to whichever endpoint takes it, and its shard (-1: not sharded). */
  private record Outgoing(HttpMethod method, String resource, MultiMap headers, RequestBody body, boolean buffer,
      long maxBody, int shard) {}

  /**
   * One attempt, always on the request's loop: the engine may start it from a Redis client's thread or a timer's,
   * and an upstream response on another loop than the caller's would be piped across threads.
   */
  private void attempt(io.vertx.core.Context loop, UpstreamCall call, Outgoing o,
      CompletableFuture<UpstreamResponse> out) {
    if (Vertx.currentContext() != loop) {
      loop.runOnContext(v -> attempt(loop, call, o, out));
      return;
    }
    if (out.isDone()) {
      return; // timed out (cancelled) before the hop ran: nothing to send
    }
    int i = selector.pick(call.tried(), o.shard());
    if (i < 0) {
      i = selector.pick(0, o.shard()); // earlier attempts tried every endpoint: this one starts over
    }
    tryEndpoint(loop, call, o, i, out);
  }

  /**
   * Sends the attempt to endpoint {@code i}. A connection that could not be made moves it to the next endpoint the
   * selector names (nothing was sent); a 5xx answer or a broken connection does so only for a call that may be repeated.
   */
  private void tryEndpoint(io.vertx.core.Context loop, UpstreamCall call, Outgoing o, int i,
      CompletableFuture<UpstreamResponse> out) {
    call.tried(i);
    // Whichever comes first counts for the endpoint: its answer, its failure, or the attempt's timeout.
    java.util.concurrent.atomic.AtomicBoolean counted = new java.util.concurrent.atomic.AtomicBoolean();
    out.whenComplete((x, e) -> {
      if (out.isCancelled() && counted.compareAndSet(false, true)) {
        selector.record(i, Outcome.TIMEOUT);
      }
    });
    URI base = selector.uri(i);
    String basePath = base.getPath() == null || base.getPath().equals("/") ? "" : base.getPath();
    RequestOptions ro = new RequestOptions().setMethod(o.method()).setURI(basePath + o.resource())
        .setHeaders(o.headers());
    RequestBody body = o.body();
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
          if (!o.buffer() && status >= 200 && status < 300) {
            resp.pause(); // the caller's response pipes it once the pipeline has judged the status
            resp.exceptionHandler(e -> LOG.debug("upstream answer ended early: {}", e.toString()));
            return Future.succeededFuture(new UpstreamResponse(status, resp.headers(), null, resp));
          }
          return RequestBody.readWhole(resp, o.maxBody(), () -> resp.request().reset())
              .map(b -> new UpstreamResponse(status, resp.headers(), b));
        })
        .onSuccess(r -> {
          if (!counted.compareAndSet(false, true)) {
            ResponseRelay.discard(r); // the attempt already timed out: nobody will read this body
            return;
          }
          boolean serverError = serverError(r.status());
          selector.record(i, serverError ? Outcome.FAILURE : Outcome.SUCCESS);
          int next = serverError && call.mayRepeat() ? selector.pick(call.tried(), o.shard()) : -1;
          if (next >= 0) {
            ResponseRelay.discard(r);
            tryEndpoint(loop, call, o, next, out);
          } else if (!out.complete(r)) {
            ResponseRelay.discard(r);
          }
        })
        .onFailure(e -> {
          if (!counted.compareAndSet(false, true)) {
            return; // the attempt timed out, and this is the reset that followed
          }
          selector.record(i, Outcome.FAILURE);
          boolean connect = e instanceof java.net.ConnectException
              || e instanceof io.netty.channel.ConnectTimeoutException;
          int next = connect || call.mayRepeat() ? selector.pick(call.tried(), o.shard()) : -1;
          if (next >= 0) {
            tryEndpoint(loop, call, o, next, out);
          } else {
            out.completeExceptionally(e instanceof java.io.IOException ? e : new java.io.IOException(
                "upstream " + base + ": " + e, e));
          }
        });
  }

  /** The answers that say the endpoint, not the request, is in trouble. */
  private static boolean serverError(int status) {
    return status == 500 || status == 502 || status == 503 || status == 504;
  }

  /** Closes every client of every event loop. */
  public void close() {
    all.forEach(HttpClient::close);
  }
}
