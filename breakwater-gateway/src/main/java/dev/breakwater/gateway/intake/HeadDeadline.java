package dev.breakwater.gateway.intake;

import dev.breakwater.CorrelationIds;
import dev.breakwater.ErrorCode;
import dev.breakwater.gateway.http.Problem;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The deadline for a connection to deliver a complete request head: from the accept for its first request, and from
 * a later request's first byte (waiting between requests is the idle timeout's business). A client that trickles a
 * head, or connects and says nothing, loses the connection when it passes — with a 408 if it had begun its first
 * request, else (a later request may overlap an answer still being written) without a word. All calls come on the
 * connection's event loop.
 */
final class HeadDeadline {
  private final Channel channel;
  private final long timeoutNanos;
  private ScheduledFuture<?> timer;
  private ChannelHandlerContext writer;
  private boolean bytesSeen;
  private int heads;
  private boolean stopped;

  HeadDeadline(Channel channel, Duration timeout) {
    this.channel = channel;
    this.timeoutNanos = timeout.toNanos();
    channel.closeFuture().addListener(f -> stop());
  }

  /** Starts the clock for the first request, at the accept. */
  void start() {
    arm();
  }

  /**
   * Bytes of a head have arrived: the clock runs (already, for the first request). {@code writer} is the decoder's
   * context: a 408 written there skips the response encoder, which has no request to answer.
   */
  void headStarted(ChannelHandlerContext writer) {
    this.writer = writer;
    this.bytesSeen = true;
    if (timer == null) {
      arm();
    }
  }

  /** A whole head (valid or not) has been decoded: the clock stops until the next one begins. */
  void headReceived() {
    cancel();
    bytesSeen = false;
    heads++;
  }

  /** The connection left HTTP/1.1 (HTTP/2) or closed: no more deadlines. */
  void stop() {
    stopped = true;
    cancel();
  }

  private void arm() {
    if (!stopped && timeoutNanos > 0) {
      timer = channel.eventLoop().schedule(this::expire, timeoutNanos, TimeUnit.NANOSECONDS);
    }
  }

  private void cancel() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }

  private void expire() {
    timer = null;
    if (stopped || !channel.isActive()) {
      return;
    }
    if (!channel.config().isAutoRead()) {
      arm(); // the gateway is holding reads back (backpressure): the missing bytes are not the client's delay
      return;
    }
    if (bytesSeen && heads == 0 && writer != null) {
      String cid = CorrelationIds.correlationId();
      writer.writeAndFlush(RawAnswer.of(Problem.render(ErrorCode.INVALID_REQUEST, 408,
          "the request head did not arrive within " + Duration.ofNanos(timeoutNanos).toMillis() + " ms", -1, cid),
          "Request Timeout", cid)).addListener(ChannelFutureListener.CLOSE);
    } else {
      channel.close();
    }
  }
}
