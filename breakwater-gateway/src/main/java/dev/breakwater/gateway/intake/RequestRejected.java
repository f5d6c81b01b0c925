package dev.breakwater.gateway.intake;

import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.util.Locale;

/**
 * Why a request could not be decoded, as the status and the words a client is told: never an exception's class name
 * or a parser's own wording, which would describe the gateway's insides rather than the request.
 */
public final class RequestRejected extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int status;

  /** A rejection with its status and what was wrong, in words. */
  public RequestRejected(int status, String detail) {
    super(detail, null, false, false);
    this.status = status;
  }

  /** The HTTP status of the answer. */
  public int status() {
    return status;
  }

  /** The rejection for a decoder's failure; one the decoder did not word becomes a generic 400. */
  public static RequestRejected from(Throwable cause) {
    return cause instanceof RequestRejected r ? r
        : new RequestRejected(400, "malformed request: the request line or headers could not be parsed");
  }

  /** Words Netty's decoding failures; {@code maxLine} and {@code maxHeader} are the listener's bounds. */
  static RequestRejected word(Throwable cause, int maxLine, int maxHeader) {
    if (cause instanceof RequestRejected r) {
      return r;
    }
    if (cause instanceof TooLongHttpLineException) {
      return new RequestRejected(414, "request line longer than " + maxLine + " bytes");
    }
    if (cause instanceof TooLongHttpHeaderException || cause instanceof TooLongFrameException) {
      return new RequestRejected(431, "request headers larger than " + maxHeader + " bytes");
    }
    if (cause instanceof NumberFormatException) {
      return new RequestRejected(400, "malformed request: Content-Length is not a number");
    }
    String m = cause.getMessage() == null ? "" : cause.getMessage().toLowerCase(Locale.ROOT);
    if (m.contains("content-length")) {
      return new RequestRejected(400, "malformed request: conflicting Content-Length values");
    }
    if (m.contains("header")) {
      return new RequestRejected(400, "malformed request header: a header name or value holds a character not "
          + "allowed there");
    }
    if (m.contains("colon") || m.contains("separator")) {
      return new RequestRejected(400, "malformed request header line: expected 'name: value'");
    }
    if (m.contains("version")) {
      return new RequestRejected(400, "malformed request line: unknown HTTP version");
    }
    return from(cause);
  }
}
