package dev.breakwater.gateway.intake;

import io.netty.channel.Channel;
import io.netty.handler.traffic.GlobalTrafficShapingHandler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.HttpServerImpl;
import io.vertx.core.impl.ContextInternal;
import io.vertx.core.impl.VertxInternal;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.net.impl.SslChannelProvider;
import java.time.Duration;
import java.util.function.BiConsumer;

/**
 * The proxy's HTTP server: Vert.x's, with a say at each accepted connection — before any byte is read — which Vert.x
 * 4 offers no public hook for ({@code connectionHandler} runs only once the first request head is decoded). There the
 * connection is counted against its client's bound, its request-head deadline starts, and {@link FirstBytes} is put
 * in place to check the first bytes and install the {@link StrictRequestDecoder}.
 */
public final class IntakeServer extends HttpServerImpl {
  private final HttpServerOptions options;
  private final Duration headTimeout;
  private final ClientConnections connections;

  private IntakeServer(Vertx vertx, HttpServerOptions options, Duration headTimeout, ClientConnections connections) {
    super((VertxInternal) vertx, options);
    this.options = new HttpServerOptions(options);
    this.headTimeout = headTimeout;
    this.connections = connections;
  }

  /**
   * A server with the intake's checks: {@code headTimeout} for each request head (zero: none), and the bound on
   * connections per client that the listeners of all event loops share.
   */
  public static HttpServer create(Vertx vertx, HttpServerOptions options, Duration headTimeout,
      ClientConnections bound) {
    return new IntakeServer(vertx, options, headTimeout, bound);
  }

  @Override
  protected BiConsumer<Channel, SslChannelProvider> childHandler(ContextInternal context, SocketAddress address,
      GlobalTrafficShapingHandler trafficShapingHandler) {
    BiConsumer<Channel, SslChannelProvider> vertx = super.childHandler(context, address, trafficShapingHandler);
    return (ch, ssl) -> {
      if (!connections.admit(ch)) {
        ch.close(); // refused before a byte is read: the client holds its share already
        return;
      }
      HeadDeadline deadline = new HeadDeadline(ch, headTimeout);
      vertx.accept(ch, ssl);
      // Last, so after Vert.x's HTTP/1.x-or-HTTP/2 detector, and before the HTTP/1.x handlers it adds behind itself.
      ch.pipeline().addLast("breakwater-first-bytes", new FirstBytes(options, deadline));
      deadline.start();
    };
  }
}
