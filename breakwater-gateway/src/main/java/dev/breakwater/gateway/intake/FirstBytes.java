package dev.breakwater.gateway.intake;

import dev.breakwater.CorrelationIds;
import dev.breakwater.ErrorCode;
import dev.breakwater.gateway.http.Problem;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.http.HttpServerOptions;

/**
 * Looks at a connection's first bytes, once Vert.x has told HTTP/1.x from HTTP/2 and before its HTTP/1.x decoder sees
 * them: a TLS handshake on the cleartext port is closed (no HTTP answer would make sense to it), bytes that cannot
 * begin a request line get a 400 and a close at once instead of waiting for a line end, and the decoder is swapped
 * for the {@link StrictRequestDecoder}. Then it leaves the pipeline.
 */
final class FirstBytes extends ChannelInboundHandlerAdapter {
  /** The name Vert.x gives its HTTP/1.x request decoder. */
  static final String DECODER = "httpDecoder";
  private static final int MAX_METHOD = 32;
  private static final byte TLS_HANDSHAKE = 0x16;

  private final HttpServerOptions options;
  private final HeadDeadline deadline;

  FirstBytes(HttpServerOptions options, HeadDeadline deadline) {
    this.options = options;
    this.deadline = deadline;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf buf) || !buf.isReadable()) {
      ctx.fireChannelRead(msg);
      return;
    }
    if (ctx.pipeline().get(DECODER) == null) {
      deadline.stop(); // HTTP/2 with prior knowledge: its own framing, no request heads to time
      ctx.pipeline().remove(this);
      ctx.fireChannelRead(msg);
      return;
    }
    if (buf.getByte(buf.readerIndex()) == TLS_HANDSHAKE) {
      ReferenceCountUtil.release(msg);
      ctx.close();
      return;
    }
    if (!canBeginRequestLine(buf)) {
      ReferenceCountUtil.release(msg);
      String cid = CorrelationIds.correlationId();
      ctx.writeAndFlush(RawAnswer.of(Problem.render(ErrorCode.INVALID_REQUEST, 400,
          "not an HTTP request: the first bytes are not a request method", -1, cid), "Bad Request", cid))
          .addListener(ChannelFutureListener.CLOSE);
      return;
    }
    ctx.pipeline().replace(DECODER, DECODER, new StrictRequestDecoder(options, deadline));
    ctx.pipeline().remove(this);
    ctx.fireChannelRead(msg);
  }

  /** Whether the bytes so far can begin a request line: blank lines, then a method of token characters. */
  private static boolean canBeginRequestLine(ByteBuf buf) {
    int i = buf.readerIndex();
    int end = buf.writerIndex();
    while (i < end && (buf.getByte(i) == '\r' || buf.getByte(i) == '\n')) {
      i++;
    }
    int start = i;
    for (; i < end; i++) {
      byte b = buf.getByte(i);
      if (b == ' ') {
        return i > start;
      }
      if (!tchar(b) || i - start >= MAX_METHOD) {
        return false;
      }
    }
    return true; // no space yet: the rest of the method may follow
  }

  /** RFC 9110 token characters. */
  private static boolean tchar(byte b) {
    return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9')
        || "!#$%&'*+-.^_`|~".indexOf(b) >= 0;
  }
}
