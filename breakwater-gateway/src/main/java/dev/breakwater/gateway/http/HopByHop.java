package dev.breakwater.gateway.http;

import java.util.Locale;
import java.util.Set;

/** The hop-by-hop headers of RFC 9110 section 7.6.1, which a proxy must not forward. */
public final class HopByHop {
  private static final Set<String> HEADERS = Set.of("connection", "keep-alive", "proxy-connection",
      "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "host",
      "content-length", "x-breakwater-timeout-ms");

  private HopByHop() {}

  /**
   * Whether a header must not be forwarded: a hop-by-hop header, one named by the message's {@code Connection}
   * header, one the proxy sets itself (Host, Content-Length), or the caller's time budget meant for the gateway.
   */
  public static boolean strip(String name, String connectionHeader) {
    String n = name.toLowerCase(Locale.ROOT);
    if (HEADERS.contains(n)) {
      return true;
    }
    if (connectionHeader != null) {
      for (String token : connectionHeader.split(",")) {
        if (token.trim().equalsIgnoreCase(n)) {
          return true;
        }
      }
    }
    return false;
  }
}
