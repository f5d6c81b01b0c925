package dev.breakwater.gateway.http;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;

/**
 * A request body: read whole, or a stream the upstream attempt pipes (once: such a call is not retried).
 *
 * @param whole the body read whole, or null when it streams
 * @param stream the body as it arrives, or null when it was read whole
 * @param length the body's length in bytes, -1 when unknown (chunked)
 */
public record RequestBody(Buffer whole, BoundedReadStream stream, long length) {
  /** A body read whole. */
  public static RequestBody whole(Buffer b) {
    return new RequestBody(b, null, b.length());
  }

  /** A body that streams to the upstream as it arrives. */
  public static RequestBody streamed(BoundedReadStream s, long length) {
    return new RequestBody(null, s, length);
  }

  /**
   * The whole of a body, or a failure once it passes {@code max} bytes (the same bound as a streamed body, which
   * leaves the stream paused); {@code tooLarge} then does what else the stream needs (an upstream connection is cut).
   */
  public static Future<Buffer> readWhole(io.vertx.core.streams.ReadStream<Buffer> stream, long max,
      Runnable tooLarge) {
    Promise<Buffer> p = Promise.promise();
    Buffer buf = Buffer.buffer();
    BoundedReadStream bounded = new BoundedReadStream(stream, max);
    bounded.exceptionHandler(e -> {
      if (p.tryFail(e) && bounded.exceeded()) {
        tooLarge.run();
      }
    });
    bounded.handler(buf::appendBuffer);
    bounded.endHandler(v -> p.tryComplete(buf));
    return p.future();
  }
}
