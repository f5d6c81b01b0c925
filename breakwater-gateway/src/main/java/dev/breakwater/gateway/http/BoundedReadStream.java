package dev.breakwater.gateway.http;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import java.io.IOException;

/**
 * A body stream that fails once more than {@code max} bytes have passed (and stays paused): the one size bound of
 * every body the gateway reads, whole or streamed.
 */
public final class BoundedReadStream implements ReadStream<Buffer> {
  private final ReadStream<Buffer> in;
  private final long max;
  private long seen;
  private volatile boolean exceeded;
  private Handler<Throwable> exceptionHandler;

  /** Wraps {@code in}, allowing at most {@code max} bytes. */
  public BoundedReadStream(ReadStream<Buffer> in, long max) {
    this.in = in;
    this.max = max;
  }

  /** Whether the stream failed because the body passed the bound. */
  public boolean exceeded() {
    return exceeded;
  }

  @Override
  public BoundedReadStream handler(Handler<Buffer> handler) {
    in.handler(handler == null ? null : chunk -> {
      if (exceeded) {
        return;
      }
      seen += chunk.length();
      if (seen > max) {
        exceeded = true;
        in.pause();
        Handler<Throwable> h = exceptionHandler;
        if (h != null) {
          h.handle(new IOException("body larger than " + max + " bytes"));
        }
      } else {
        handler.handle(chunk);
      }
    });
    return this;
  }

  @Override
  public BoundedReadStream exceptionHandler(Handler<Throwable> handler) {
    this.exceptionHandler = handler;
    in.exceptionHandler(handler);
    return this;
  }

  @Override
  public BoundedReadStream pause() {
    in.pause();
    return this;
  }

  @Override
  public BoundedReadStream resume() {
    in.resume();
    return this;
  }

  @Override
  public BoundedReadStream fetch(long amount) {
    in.fetch(amount);
    return this;
  }

  @Override
  public BoundedReadStream endHandler(Handler<Void> endHandler) {
    in.endHandler(endHandler);
    return this;
  }
}
