package dev.breakwater.gateway.config;

import dev.breakwater.config.PipelineConfig;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A route: which requests it takes (a path prefix or a pattern, and optionally methods), where it sends them and
 * which policies apply. Policies are referred to by name; null switches one off.
 *
 * @param name              the route's name, also its pipeline's name (default {@code "<methods> <path>"})
 * @param path              a path prefix matched on segment boundaries, or null when {@code pattern} is set
 * @param pattern           a regular expression searched in the path, or null when {@code path} is set
 * @param methods           the HTTP methods taken, upper case; empty for every method
 * @param upstream          the upstream's name
 * @param operation         the operation name for rate limits and metrics (default: the route's name)
 * @param domain            the domain (bulkhead lane such as mail), or null for the engine's default
 * @param kind              how a call's operation kind is decided (default {@link RouteKind#AUTO})
 * @param lane              how a call's priority lane is decided (default {@link LaneMode#INTERACTIVE})
 * @param cost              the rate-limit tokens one call takes (default 1)
 * @param bulkhead          the bulkhead policy for reads (and writes without {@code writeBulkhead}), or null
 * @param writeBulkhead     a separate bulkhead policy for writes, or null
 * @param rateLimits        the rate-limit policies every call must pass
 * @param idempotency       the idempotency policy honouring {@code Idempotency-Key}, or null
 * @param cache             the cache policy for GET requests, or null
 * @param cacheShared       whether cached entries are shared by a tenant's users on this route (default false):
 *                          keyed by tenant only, served to any caller naming the tenant
 * @param cacheCredentialed whether requests carrying {@code Authorization} may be cached (default true): privately,
 *                          per tenant, user and credential digest unless the cache is shared; false bypasses them
 * @param invalidates       the cached routes whose entries a successful (2xx) non-GET request on this route drops,
 *                          for its tenant (and its user, for a private cache)
 * @param tenantRequired    whether a request without a tenant is refused (default true)
 * @param defaultTenant     the tenant of a request that names none, or null
 * @param timeout           the timeout policy of this route in place of its upstream's (a tool's own deadline), or
 *                          null for the upstream's
 * @param retry             the retry policy of this route in place of its upstream's, or null for the upstream's
 * @param essential         whether the route's calls are essential (default true); non-essential ones are shed at
 *                          the {@code degraded} level, with batch work
 */
public record RouteConfig(
    String name,
    String path,
    Pattern pattern,
    Set<String> methods,
    String upstream,
    String operation,
    String domain,
    RouteKind kind,
    LaneMode lane,
    int cost,
    String bulkhead,
    String writeBulkhead,
    List<String> rateLimits,
    String idempotency,
    String cache,
    boolean cacheShared,
    boolean cacheCredentialed,
    List<String> invalidates,
    boolean tenantRequired,
    String defaultTenant,
    String timeout,
    String retry,
    boolean essential) {

  /** An essential route. */
  public RouteConfig(String name, String path, Pattern pattern, Set<String> methods, String upstream, String operation,
      String domain, RouteKind kind, LaneMode lane, int cost, String bulkhead, String writeBulkhead,
      List<String> rateLimits, String idempotency, String cache, boolean cacheShared, boolean cacheCredentialed,
      List<String> invalidates, boolean tenantRequired, String defaultTenant, String timeout, String retry) {
    this(name, path, pattern, methods, upstream, operation, domain, kind, lane, cost, bulkhead, writeBulkhead,
        rateLimits, idempotency, cache, cacheShared, cacheCredentialed, invalidates, tenantRequired, defaultTenant,
        timeout, retry, true);
  }

  /** Requires a name, exactly one of path and pattern, an upstream, an operation, a kind and a lane. */
  public RouteConfig {
    Objects.requireNonNull(name, "name");
    if ((path == null) == (pattern == null)) {
      throw new IllegalArgumentException("path: " + path + " (expected: exactly one of path and pattern)");
    }
    methods = methods == null ? Set.of() : Set.copyOf(methods);
    Objects.requireNonNull(upstream, "upstream");
    Objects.requireNonNull(operation, "operation");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(lane, "lane");
    rateLimits = rateLimits == null ? List.of() : List.copyOf(rateLimits);
    invalidates = invalidates == null ? List.of() : List.copyOf(invalidates);
  }

  /** Whether this route takes a request with this method and path (without query string). */
  public boolean matches(String method, String requestPath) {
    if (!methods.isEmpty() && !methods.contains(method.toUpperCase(Locale.ROOT))) {
      return false;
    }
    if (pattern != null) {
      return pattern.matcher(requestPath).find();
    }
    return matchesPrefix(path, requestPath);
  }

  /** Whether {@code prefix} covers {@code requestPath} on a segment boundary ({@code /a} covers /a and /a/b, not /ab). */
  static boolean matchesPrefix(String prefix, String requestPath) {
    if (!requestPath.startsWith(prefix)) {
      return false;
    }
    return requestPath.length() == prefix.length() || prefix.endsWith("/")
        || requestPath.charAt(prefix.length()) == '/';
  }

  /**
   * The engine pipeline for this route: named after the route, the upstream's circuit breaker, per-tenant breakers
   * and throttle gate (shared by every route of the upstream), the route's timeout and retry policy or else the
   * upstream's, and the route's domain, bulkheads, rate limits, idempotency and cache.
   */
  public PipelineConfig pipelineConfig(UpstreamConfig upstreamConfig) {
    if (!upstreamConfig.name().equals(upstream)) {
      throw new IllegalArgumentException("upstream: \"" + upstreamConfig.name() + "\" (expected: \"" + upstream
          + "\", the route's upstream)");
    }
    return PipelineConfig.named(name)
        .withUpstream(upstream)
        .withDomain(domain)
        .withTimeout(timeout != null ? timeout : upstreamConfig.timeout())
        .withRetry(retry != null ? retry : upstreamConfig.retry())
        .withCircuitBreaker(upstreamConfig.circuitBreaker())
        .withBreakerPerTenant(upstreamConfig.breakerPerTenant())
        .withThrottleGate(upstreamConfig.throttleGate())
        .withBulkhead(bulkhead)
        .withWriteBulkhead(writeBulkhead)
        .withRateLimits(rateLimits)
        .withIdempotency(idempotency)
        .withCache(cache);
  }
}
