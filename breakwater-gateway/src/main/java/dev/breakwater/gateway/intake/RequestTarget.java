package dev.breakwater.gateway.intake;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A request target checked and normalised (RFC 3986 section 5.2.4): dot segments — plain or percent-encoded — are
 * resolved, so that the route match and the forwarded resource see the same path and an upstream that normalises
 * cannot resolve it outside the route. Refused: a path that climbs above the root, encoded slashes and backslashes
 * (which upstreams disagree about), control characters raw or percent-encoded, broken percent escapes, raw bytes
 * outside ASCII and percent-encoded bytes that are not UTF-8. The query is checked, never rewritten.
 */
public final class RequestTarget {
  private final String path;
  private final String query;
  private final String problem;

  private RequestTarget(String path, String query, String problem) {
    this.path = path;
    this.query = query;
    this.problem = problem;
  }

  /**
   * Checks and normalises a request target as it came on the request line (one char per byte: Netty reads the line
   * as ISO-8859-1). Origin form ({@code /path?query}) and absolute form ({@code http://host/path}, whose authority is
   * dropped: the gateway only calls its configured upstreams) are accepted.
   */
  public static RequestTarget parse(String target) {
    if (target == null || target.isEmpty()) {
      return refused("an empty request target");
    }
    String t = target;
    if (t.charAt(0) != '/') {
      int scheme = t.indexOf("://");
      if (scheme <= 0 || !t.regionMatches(true, 0, "http", 0, 4)) {
        return refused("the request target is not a path");
      }
      int slash = t.indexOf('/', scheme + 3);
      int q = t.indexOf('?', scheme + 3);
      t = slash < 0 || (q >= 0 && q < slash) ? "/" + (q < 0 ? "" : t.substring(q)) : t.substring(slash);
    }
    int q = t.indexOf('?');
    String rawPath = q < 0 ? t : t.substring(0, q);
    String query = q < 0 ? null : t.substring(q + 1);
    String problem = check(rawPath, "path");
    if (problem == null && query != null) {
      problem = check(query, "query");
    }
    if (problem != null) {
      return refused(problem);
    }
    String path = removeDotSegments(rawPath);
    return path == null ? refused("the path climbs above the root with '..' segments") : new RequestTarget(path, query,
        null);
  }

  /** A target refused for a reason found elsewhere in the request (a header). */
  static RequestTarget refused(String problem) {
    return new RequestTarget(null, null, problem);
  }

  /** Whether the target may be served. */
  public boolean valid() {
    return problem == null;
  }

  /** What is wrong with the target, in words; null when it is valid. */
  public String problem() {
    return problem;
  }

  /** The normalised path (valid targets only). */
  public String path() {
    return path;
  }

  /** The query as it came, without the {@code ?}; null when there is none. */
  public String query() {
    return query;
  }

  /** The normalised path and the query: what the upstream is sent. */
  public String resource() {
    return query == null ? path : path + "?" + query;
  }

  /** Why a path or query is refused, or null when its bytes are clean. */
  private static String check(String part, String where) {
    byte[] decoded = null; // only when a percent escape above 0x7F needs its UTF-8 checked
    int n = 0;
    for (int i = 0; i < part.length(); i++) {
      char c = part.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        return "a control character (" + hex(c) + ") in the " + where;
      }
      if (c > 0x7e) {
        return "a raw byte " + hex(c) + " in the " + where + ": bytes outside ASCII must be percent-encoded UTF-8";
      }
      if (c == ' ') {
        // An HTTP/1 request line cannot carry one (it separates the line's parts), but an HTTP/2 :path can: sent on
        // to an HTTP/1 upstream it would split that upstream's request line.
        return "a raw space in the " + where + " (expected %20)";
      }
      if (c == '#') {
        return "a '#' in the " + where + ": a fragment is not part of a request";
      }
      if (c == '\\' && where.equals("path")) {
        return "a backslash in the path";
      }
      if (c == '%') {
        int v = i + 2 < part.length() ? hexValue(part.charAt(i + 1), part.charAt(i + 2)) : -1;
        if (v < 0) {
          return "a broken percent escape in the " + where + " (expected % and two hex digits)";
        }
        if (v < 0x20 || v == 0x7f) {
          return "a percent-encoded control character (" + part.substring(i, i + 3) + ") in the " + where;
        }
        if (where.equals("path") && v == '/') {
          return "an encoded slash (" + part.substring(i, i + 3) + ") in the path";
        }
        if (where.equals("path") && v == '\\') {
          return "an encoded backslash (" + part.substring(i, i + 3) + ") in the path";
        }
        if (v > 0x7f && decoded == null) {
          decoded = new byte[part.length()];
          for (int j = 0; j < i; j++) {
            decoded[n++] = (byte) part.charAt(j); // earlier escapes were ASCII: their bytes do not matter to UTF-8
          }
        }
        if (decoded != null) {
          decoded[n++] = (byte) v;
        }
        i += 2;
      } else if (decoded != null) {
        decoded[n++] = (byte) c;
      }
    }
    if (decoded == null) {
      return null; // all ASCII: valid UTF-8
    }
    try {
      StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(decoded, 0, n));
    } catch (CharacterCodingException e) {
      return "percent-encoded bytes in the " + where + " that are not UTF-8";
    }
    return null;
  }

  /**
   * The path with its dot segments resolved ({@code %2e} counts as a dot), or null when a {@code ..} would climb
   * above the root. Empty segments stay: they are not dot segments.
   */
  static String removeDotSegments(String path) {
    if (path.indexOf('.') < 0 && path.indexOf('%') < 0) {
      return path; // the common case: nothing to resolve
    }
    String[] segments = path.substring(1).split("/", -1);
    List<String> out = new ArrayList<>(segments.length);
    for (int i = 0; i < segments.length; i++) {
      String s = decodeDots(segments[i]);
      boolean last = i == segments.length - 1;
      if (s.equals(".")) {
        if (last) {
          out.add("");
        }
      } else if (s.equals("..")) {
        if (out.isEmpty()) {
          return null;
        }
        out.remove(out.size() - 1);
        if (last) {
          out.add("");
        }
      } else {
        out.add(s);
      }
    }
    return "/" + String.join("/", out);
  }

  /** A segment with {@code %2e}/{@code %2E} as the dot they encode (an unreserved character: the same segment). */
  private static String decodeDots(String segment) {
    if (segment.indexOf('%') < 0) {
      return segment;
    }
    return segment.replace("%2e", ".").replace("%2E", ".");
  }

  private static int hexValue(char hi, char lo) {
    int h = hexDigit(hi);
    int l = hexDigit(lo);
    return h < 0 || l < 0 ? -1 : h * 16 + l;
  }

  /** An ASCII hex digit's value, or -1 (Character.digit would also take other scripts' digits). */
  private static int hexDigit(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    char l = (char) (c | 0x20);
    return l >= 'a' && l <= 'f' ? l - 'a' + 10 : -1;
  }

  private static String hex(char c) {
    return String.format(Locale.ROOT, "0x%02X", (int) c);
  }
}
