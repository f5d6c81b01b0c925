package dev.breakwater.gateway.config;

import java.net.URI;
import java.util.List;
import java.util.Objects;

/**
 * An upstream service: its endpoints and the upstream-wide policies (by name; null switches one off).
 *
 * @param name             the upstream's name (its key under {@code upstreams})
 * @param endpoints        http(s) base URLs in priority order, at least one
 * @param timeout          the name of a timeout policy, or null
 * @param retry            the name of a retry policy, or null
 * @param circuitBreaker   the name of a circuit breaker policy, or null
 * @param breakerPerTenant one breaker per tenant instead of one for the upstream (default false)
 * @param throttleGate     whether an upstream Retry-After holds the tenant's later calls (default true)
 * @param maxConnections   the connection pool size per endpoint (default 64; with HTTP/2, connections that each
 *                         carry many concurrent streams)
 * @param protocol         how the gateway talks to the endpoints (default HTTP/1.1)
 * @param caFile           a PEM file of the certificate authorities https endpoints are trusted by, or null for the
 *                         JDK's default trust store
 */
public record UpstreamConfig(String name, List<URI> endpoints, String timeout, String retry, String circuitBreaker,
    boolean breakerPerTenant, boolean throttleGate, int maxConnections, Protocol protocol, String caFile) {

  /** The HTTP version towards an upstream. */
  public enum Protocol {
    /** HTTP/1.1 with keep-alive (the default). */
    HTTP1,
    /** HTTP/2 over cleartext, with prior knowledge (http:// endpoints). */
    H2C,
    /** HTTP/2 over TLS, negotiated with ALPN (https:// endpoints). */
    H2
  }

  /** Requires a name and at least one endpoint; copies the list. */
  public UpstreamConfig {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(protocol, "protocol");
    endpoints = List.copyOf(endpoints);
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("endpoints: [] (expected: at least one http(s) URL)");
    }
  }
}
