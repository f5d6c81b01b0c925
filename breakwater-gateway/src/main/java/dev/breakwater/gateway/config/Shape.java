package dev.breakwater.gateway.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The keys the loader accepts, as a tree: the one place they are listed. The loader rejects any key not listed here
 * and refuses to read one that is not (a programming error), and a test walks this tree against the JSON Schema.
 */
sealed interface Shape {

  /** A scalar, or a list of scalars. */
  record Leaf() implements Shape {}

  /** A mapping with a fixed set of keys. */
  record Obj(Map<String, Shape> fields) implements Shape {
    /** The accepted keys, in documentation order. */
    Set<String> keys() {
      return fields.keySet();
    }
  }

  /** A mapping whose keys are names the user chooses (policies, upstreams), each value of one shape. */
  record MapOf(Shape values) implements Shape {}

  /** A list whose items share one shape. */
  record ListOf(Shape items) implements Shape {}

  Leaf LEAF = new Leaf();

  /** Builds an {@link Obj} from alternating key and shape arguments; a key given alone (a String) is a leaf. */
  static Obj obj(Object... keysAndShapes) {
    Map<String, Shape> m = new LinkedHashMap<>();
    for (int i = 0; i < keysAndShapes.length; i++) {
      String key = (String) keysAndShapes[i];
      if (i + 1 < keysAndShapes.length && keysAndShapes[i + 1] instanceof Shape s) {
        m.put(key, s);
        i++;
      } else {
        m.put(key, LEAF);
      }
    }
    return new Obj(Collections.unmodifiableMap(m));
  }

  Obj SERVER = obj("host", "port", "maxHeaderBytes", "maxBodyBytes", "bufferBodyBytes", "drainTimeout",
      "requestHeadTimeout", "idleTimeout", "maxConnectionsPerClient");
  Obj ADMIN_TOKEN = obj("name", "token");
  Obj ADMIN = obj("host", "port", "token", "tokens", new ListOf(ADMIN_TOKEN));
  Obj REDIS = obj("uri", "cluster", "nodes", "keyPrefix", "commandTimeout", "openDuration", "failuresToOpen",
      "idempotencyReplicas", "replicaWait", "heartbeat", "maxCacheValueBytes", "leaseTokens", "leaseTtl");
  Obj STATE = obj("backend", "redis", REDIS);
  Obj JWT = obj("jwksUrl", "issuer", "audience", "tenantClaim", "userClaim", "jwksCacheTtl");
  Obj IDENTITY = obj("tenantHeader", "userHeader", "jwt", JWT);

  Obj TIMEOUT = obj("enabled", "attempt", "deadline");
  Obj RETRY_BUDGET = obj("ratio", "minRetriesPerSecond", "window");
  Obj RETRY = obj("enabled", "maxAttempts", "baseDelay", "maxDelay", "maxRetryAfter", "jitter", "budget",
      RETRY_BUDGET);
  Obj FAILURES_WITHIN = obj("count", "window");
  Obj CIRCUIT_BREAKER = obj("enabled", "window", "windowSize", "minimumCalls", "failureRateThreshold",
      "slowCallRateThreshold", "slowCallDuration", "openDuration", "halfOpenProbes", "halfOpenSuccesses",
      "failuresWithin", FAILURES_WITHIN, "fleet");
  Obj BULKHEAD = obj("enabled", "maxConcurrent", "interactiveReserve", "maxWait", "maxQueue");
  Obj RATE_LIMIT = obj("enabled", "scope", "permits", "period", "burst");
  Obj IDEMPOTENCY = obj("enabled", "ttl", "lease", "maxKeyLength", "whenStoreUnavailable",
      "upstreamDeduplicates");
  Obj CACHE = obj("enabled", "ttl", "staleIfError", "version", "shared");
  Obj POLICIES = obj(
      "timeouts", new MapOf(TIMEOUT),
      "retries", new MapOf(RETRY),
      "circuitBreakers", new MapOf(CIRCUIT_BREAKER),
      "bulkheads", new MapOf(BULKHEAD),
      "rateLimits", new MapOf(RATE_LIMIT),
      "idempotency", new MapOf(IDEMPOTENCY),
      "caches", new MapOf(CACHE));

  Obj ENDPOINT_GROUP = obj("name", "endpoints");
  Obj HEALTH_CHECK = obj("path", "interval", "timeout", "healthyThreshold", "unhealthyThreshold");
  Obj OUTLIER_DETECTION = obj("enabled", "consecutiveFailures", "baseEjection", "maxEjection");
  Obj FAILBACK = obj("healthyChecks", "steps", "verifyWindow", "maxErrorRate");
  Obj SHARDING = obj("tenants", new MapOf(LEAF));
  Obj UPSTREAM = obj("endpoints", "endpointGroups", new ListOf(ENDPOINT_GROUP), "timeout", "retry",
      "circuitBreaker", "breakerPerTenant", "throttleGate", "maxConnections", "connectTimeout", "idleTimeout",
      "protocol", "caFile", "healthCheck", HEALTH_CHECK, "outlierDetection", OUTLIER_DETECTION, "failback",
      FAILBACK, "sharding", SHARDING);
  Obj ROUTE = obj("name", "path", "pattern", "methods", "upstream", "operation", "domain", "kind", "lane", "cost",
      "bulkhead", "writeBulkhead", "rateLimits", "idempotency", "cache", "cacheShared", "cacheCredentialed",
      "invalidates", "tenantRequired", "defaultTenant", "timeout", "retry", "essential");

  Obj LATENCY_OBJECTIVE = obj("threshold", "percent");
  Obj SLO = obj("routes", "window", "availability", "latency", LATENCY_OBJECTIVE);
  Obj TRACING = obj("otlpEndpoint", "sampleRatio", "serviceName");
  Obj HEALTH_RULE = obj("name", "signal", "upstream", "slo", "sli", "window", "slowerThan", "enter", "exit",
      "minCalls", "level", "target", "minDwell");
  Obj EMERGENCY = obj("routes", "tenants");
  Obj HEALTH = obj("evaluateEvery", "webhook", "rules", new ListOf(HEALTH_RULE), "emergency", EMERGENCY);
  Obj FAULT_HEADER = obj("name", "value");
  Obj FAULT = obj("route", "upstream", "kind", "delay", "status", "retryAfter", "percent", "tenant", "header",
      FAULT_HEADER, "duration");

  /** The whole file. */
  Obj ROOT = obj(
      "server", SERVER,
      "admin", ADMIN,
      "state", STATE,
      "identity", IDENTITY,
      "policies", POLICIES,
      "upstreams", new MapOf(UPSTREAM),
      "routes", new ListOf(ROUTE),
      "slos", new MapOf(SLO),
      "tracing", TRACING,
      "health", HEALTH, "faults", new MapOf(FAULT));
}
