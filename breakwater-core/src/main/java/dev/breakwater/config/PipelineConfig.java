package dev.breakwater.config;

import dev.breakwater.ErrorCode;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Which named policies a pipeline applies. Policies are referred to by name so that many pipelines share one
 * config (the gateway's YAML maps onto this); a {@code null} name switches that policy off (pass-through).
 *
 * @param name the pipeline's name
 * @param upstream the upstream when a call names none
 * @param domain the domain (bulkhead lane) when a call names none
 * @param timeout the name of the timeout config, or null for none
 * @param retry the name of the retry config, or null for none
 * @param circuitBreaker the name of the circuit breaker config, or null for none
 * @param breakerPerTenant one breaker per tenant and upstream instead of one per upstream
 * @param bulkhead the name of the bulkhead config for reads (and writes when writeBulkhead is null), or null
 * @param writeBulkhead the name of a separate bulkhead config for writes, or null to share the read pool
 * @param rateLimits the names of the rate limits every call must pass, all or none
 * @param throttleGate whether upstream Retry-After closes a per-tenant gate that later calls fail fast on
 * @param idempotency the name of the idempotency config, or null to ignore idempotency keys
 * @param cache the name of the cache config for reads, or null for none
 * @param fallbackOn the codes a fallback may stand in for
 */
public record PipelineConfig(
    String name,
    String upstream,
    String domain,
    String timeout,
    String retry,
    String circuitBreaker,
    boolean breakerPerTenant,
    String bulkhead,
    String writeBulkhead,
    List<String> rateLimits,
    boolean throttleGate,
    String idempotency,
    String cache,
    Set<ErrorCode> fallbackOn) {

  /** Validates every field and copies the collections. */
  public PipelineConfig {
    Checks.check(name != null && !name.isBlank(), "name", name, "a non-blank name");
    rateLimits = rateLimits == null ? List.of() : List.copyOf(rateLimits);
    fallbackOn = fallbackOn == null || fallbackOn.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(fallbackOn));
  }

  /**
   * A pipeline with no policy yet; the fallback (if one is given) stands in for every code but those a caller must
   * see (INVALID_REQUEST, AUTH_REQUIRED, CONSENT_REQUIRED, IDEMPOTENCY_CONFLICT, IDEMPOTENCY_MISMATCH).
   */
  public static PipelineConfig named(String name) {
    return new PipelineConfig(name, null, null, null, null, null, false, null, null, List.of(), false, null, null,
        EnumSet.complementOf(EnumSet.of(ErrorCode.INVALID_REQUEST, ErrorCode.AUTH_REQUIRED,
            ErrorCode.CONSENT_REQUIRED, ErrorCode.IDEMPOTENCY_CONFLICT, ErrorCode.IDEMPOTENCY_MISMATCH)));
  }

  /** Returns a copy with {@code upstream} set. */
  public PipelineConfig withUpstream(String v) {
    return new PipelineConfig(name, v, domain, timeout, retry, circuitBreaker, breakerPerTenant, bulkhead, writeBulkhead, rateLimits, throttleGate, idempotency, cache, fallbackOn);
  }

  /** Returns a copy with {@code domain} set. */
  public PipelineConfig withDomain(String v) {
    return new PipelineConfig(name, upstream, v, timeout, retry, circuitBreaker, breakerPerTenant, bulkhead, writeBulkhead, rateLimits, throttleGate, idempotency, cache, fallbackOn);
  }

  /** Returns a copy with {@code timeout} set. */
  public PipelineConfig withTimeout(String v) {
    return new PipelineConfig(name, upstream, domain, v, retry, circuitBreaker, breakerPerTenant, bulkhead, writeBulkhead, rateLimits, throttleGate, idempotency, cache, fallbackOn);
  }

  /** Returns a copy with {@code retry} set. */
  public PipelineConfig withRetry(String v) {
    return new PipelineConfig(name, upstream, domain, timeout, v, circuitBreaker, breakerPerTenant, bulkhead, writeBulkhead, rateLimits, throttleGate, idempotency, cache, fallbackOn);
  }

  /** Returns a copy with {@code circuitBreaker} set. */
  public PipelineConfig withCircuitBreaker(String v) {
    return new PipelineConfig(name, upstream, domain, timeout, retry, v, breakerPerTenant, bulkhead, writeBulkhead, rateLimits, throttleGate, idempotency, cache, fallbackOn);
  }

  /** Returns a copy with {@code breakerPerTenant} set. */
  public PipelineConfig withBreakerPerTenant(boolean v) {
    return new PipelineConfig(name, upstream, domain, timeout, retry, circuitBreaker, v, bulkhead, writeBulkhead, rateLimits, throttleGate, idempotency, cache, fallbackOn);
  }

  /** Returns a copy with {@code bulkhead} set. */
  public PipelineConfig withBulkhead(String v) {
    return new PipelineConfig(name, upstream, domain, timeout, retry, circuitBreaker, breakerPerTenant, v, writeBulkhead, rateLimits, throttleGate, idempotency, cache, fallbackOn);
  }

  /** Returns a copy with {@code writeBulkhead} set. */
  public PipelineConfig withWriteBulkhead(String v) {
    return new PipelineConfig(name, upstream, domain, timeout, retry, circuitBreaker, breakerPerTenant, bulkhead, v, rateLimits, throttleGate, idempotency, cache, fallbackOn);
  }

  /** Returns a copy with {@code rateLimits} set. */
  public PipelineConfig withRateLimits(List<String> v) {
    return new PipelineConfig(name, upstream, domain, timeout, retry, circuitBreaker, breakerPerTenant, bulkhead, writeBulkhead, v, throttleGate, idempotency, cache, fallbackOn);
  }

  /** Returns a copy with {@code throttleGate} set. */
  public PipelineConfig withThrottleGate(boolean v) {
    return new PipelineConfig(name, upstream, domain, timeout, retry, circuitBreaker, breakerPerTenant, bulkhead, writeBulkhead, rateLimits, v, idempotency, cache, fallbackOn);
  }

  /** Returns a copy with {@code idempotency} set. */
  public PipelineConfig withIdempotency(String v) {
    return new PipelineConfig(name, upstream, domain, timeout, retry, circuitBreaker, breakerPerTenant, bulkhead, writeBulkhead, rateLimits, throttleGate, v, cache, fallbackOn);
  }

  /** Returns a copy with {@code cache} set. */
  public PipelineConfig withCache(String v) {
    return new PipelineConfig(name, upstream, domain, timeout, retry, circuitBreaker, breakerPerTenant, bulkhead, writeBulkhead, rateLimits, throttleGate, idempotency, v, fallbackOn);
  }

  /** Returns a copy with {@code fallbackOn} set. */
  public PipelineConfig withFallbackOn(Set<ErrorCode> v) {
    return new PipelineConfig(name, upstream, domain, timeout, retry, circuitBreaker, breakerPerTenant, bulkhead, writeBulkhead, rateLimits, throttleGate, idempotency, cache, v);
  }
}
