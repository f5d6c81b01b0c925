package dev.breakwater.gateway.intake;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;
import java.util.List;
import java.util.Locale;

/**
 * Vert.x's request decoder with unambiguous framing (RFC 9112 sections 6.1 and 6.3) and the request-head deadline.
 * A request with both Content-Length and Transfer-Encoding, or a Transfer-Encoding other than {@code chunked}, is
 * refused while its head is decoded: the decoder then discards every later byte of the connection, so a request
 * smuggled behind it is never parsed, and the connection closes after the 400. (Netty alone drops the Content-Length
 * and reads the body as chunked, so by the time a request reaches a handler the conflict is no longer visible.)
 */
final class StrictRequestDecoder extends VertxHttpRequestDecoder {
  private final HeadDeadline deadline;
  private final int maxLine;
  private final int maxHeader;
  private boolean inMessage;

  StrictRequestDecoder(HttpServerOptions options, HeadDeadline deadline) {
    super(options);
    this.deadline = deadline;
    this.maxLine = options.getMaxInitialLineLength();
    this.maxHeader = options.getMaxHeaderSize();
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
    if (!inMessage && buffer.isReadable()) {
      deadline.headStarted(ctx);
    }
    int from = out.size();
    super.decode(ctx, buffer, out);
    for (int i = from; i < out.size(); i++) {
      Object o = out.get(i);
      if (o instanceof HttpRequest r) {
        deadline.headReceived();
        inMessage = true;
        if (r.decoderResult().isFailure()) {
          r.setDecoderResult(DecoderResult.failure(RequestRejected.word(r.decoderResult().cause(), maxLine,
              maxHeader)));
        }
      }
      if (o instanceof LastHttpContent) {
        inMessage = false;
      }
    }
  }

  @Override
  protected boolean isContentAlwaysEmpty(HttpMessage msg) {
    // Netty calls this once the headers are read and before it acts on the framing: the place to refuse it.
    if (msg instanceof HttpRequest) {
      checkFraming(msg.headers());
    }
    return super.isContentAlwaysEmpty(msg);
  }

  @Override
  protected void handlerRemoved0(ChannelHandlerContext ctx) throws Exception {
    deadline.stop(); // upgraded to HTTP/2, or closing
    super.handlerRemoved0(ctx);
  }

  private static void checkFraming(HttpHeaders headers) {
    List<String> codings = headers.getAll(HttpHeaderNames.TRANSFER_ENCODING);
    if (codings.isEmpty()) {
      return;
    }
    if (headers.contains(HttpHeaderNames.CONTENT_LENGTH)) {
      throw new RequestRejected(400, "a request with both Content-Length and Transfer-Encoding is ambiguous "
          + "(RFC 9112 section 6.3); send one of them");
    }
    String all = String.join(",", codings).trim().toLowerCase(Locale.ROOT);
    if (!all.equals("chunked")) {
      // Chunked must be the final coding, and the gateway decodes no other: anything else would reach the upstream
      // as a body it cannot frame or read.
      throw new RequestRejected(400, "Transfer-Encoding must be exactly 'chunked' (the only transfer coding "
          + "accepted)");
    }
  }
}
