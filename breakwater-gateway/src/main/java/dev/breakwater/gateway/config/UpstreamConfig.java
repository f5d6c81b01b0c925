package dev.breakwater.gateway.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * An upstream service: its endpoints and the upstream-wide policies (by name; null switches one off).
 *
 * @param name             the upstream's name (its key under {@code upstreams})
 * @param groups           the endpoint groups in priority order, at least one: calls go to the healthy endpoints of
 *                         the first group that has any
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
 * @param connectTimeout   how long a connection to an endpoint may take to establish (default 2 s)
 * @param idleTimeout      how long a pooled connection may sit unused before it is closed (default 60 s)
 * @param healthCheck      active health checks, or null for none
 * @param outlierDetection passive outlier detection (on by default)
 * @param failback         how traffic returns to a recovered higher-priority group
 * @param sharding         tenant-to-shard routing over the groups, or null when the groups are failover regions
 */
public record UpstreamConfig(String name, List<EndpointGroupConfig> groups, String timeout, String retry,
    String circuitBreaker, boolean breakerPerTenant, boolean throttleGate, int maxConnections, Protocol protocol,
    String caFile, Duration connectTimeout, Duration idleTimeout, HealthCheckConfig healthCheck,
    OutlierDetectionConfig outlierDetection, FailbackConfig failback, ShardingConfig sharding) {

  /** The default connect timeout. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
  /** The default idle timeout of pooled connections. */
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);

  /** The HTTP version towards an upstream. */
  public enum Protocol {
    /** HTTP/1.1 with keep-alive (the default). */
    HTTP1,
    /** HTTP/2 over cleartext, with prior knowledge (http:// endpoints). */
    H2C,
    /** HTTP/2 over TLS, negotiated with ALPN (https:// endpoints). */
    H2
  }

  /** Requires a name and at least one group; copies the list. */
  public UpstreamConfig {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(protocol, "protocol");
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    Objects.requireNonNull(idleTimeout, "idleTimeout");
    Objects.requireNonNull(outlierDetection, "outlierDetection");
    Objects.requireNonNull(failback, "failback");
    groups = List.copyOf(groups);
    if (groups.isEmpty()) {
      throw new IllegalArgumentException("endpointGroups: [] (expected: at least one group)");
    }
  }

  /** Every endpoint, group by group in priority order. */
  public List<URI> endpoints() {
    return groups.stream().flatMap(g -> g.endpoints().stream()).toList();
  }

  /** Whether {@code other} sends to the same endpoints in the same way: the endpoints' state may carry over. */
  public boolean sameEndpoints(UpstreamConfig other) {
    return other != null && groups.equals(other.groups) && Objects.equals(healthCheck, other.healthCheck)
        && outlierDetection.equals(other.outlierDetection) && failback.equals(other.failback)
        && Objects.equals(sharding, other.sharding);
  }
}
