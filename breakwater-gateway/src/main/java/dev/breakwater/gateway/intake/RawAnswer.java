package dev.breakwater.gateway.intake;

import dev.breakwater.gateway.http.Problem;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;

/**
 * A problem answer as bytes, for the intake's refusals that come before any request exists for Vert.x to answer
 * (garbage, a head that never completed); it always closes the connection.
 */
final class RawAnswer {
  private RawAnswer() {}

  /** The whole HTTP/1.1 answer with {@code Connection: close}. */
  static ByteBuf of(Problem.Rendered p, String reason, String correlationId) {
    byte[] body = p.json().getBytes(StandardCharsets.UTF_8);
    String head = "HTTP/1.1 " + p.status() + " " + reason + "\r\n"
        + "Content-Type: " + Problem.MEDIA_TYPE + "\r\n"
        + "Content-Length: " + body.length + "\r\n"
        + "X-Correlation-Id: " + correlationId + "\r\n"
        + "Connection: close\r\n\r\n";
    return Unpooled.wrappedBuffer(head.getBytes(StandardCharsets.ISO_8859_1), body);
  }
}
