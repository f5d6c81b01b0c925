package dev.breakwater.gateway.intake;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import java.util.Locale;
import java.util.Map;

/**
 * The request-checks step: what a decoded request must be before it is routed — a clean request target (see
 * {@link RequestTarget}) and header values free of control characters. Framing (Content-Length, Transfer-Encoding)
 * is checked earlier, by the decoder, because by the time a request gets here its body framing has been acted on.
 */
public final class RequestChecks {
  private RequestChecks() {}

  /** The request's target, normalised, or a refused one whose {@link RequestTarget#problem()} says what was wrong. */
  public static RequestTarget check(HttpServerRequest req) {
    RequestTarget target = RequestTarget.parse(req.uri());
    if (!target.valid()) {
      return target;
    }
    // HTTP/1.x headers with these bytes never get here (the intake's decoder refuses them): only HTTP/2 needs the scan.
    if (req.version() != HttpVersion.HTTP_2) {
      return target;
    }
    for (Map.Entry<String, String> h : req.headers()) {
      String v = h.getValue();
      for (int i = 0; i < v.length(); i++) {
        char c = v.charAt(i);
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
          return RequestTarget.refused("a control character (" + String.format(Locale.ROOT, "0x%02X", (int) c)
              + ") in the value of header " + printable(h.getKey()));
        }
      }
    }
    return target;
  }

  private static String printable(String name) {
    return name.chars().allMatch(c -> c > 0x20 && c < 0x7f) && name.length() <= 64 ? name : "(unprintable name)";
  }
}
