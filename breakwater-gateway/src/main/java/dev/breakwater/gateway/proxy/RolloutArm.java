package dev.breakwater.gateway.proxy;

import dev.breakwater.Pipeline;
import dev.breakwater.control.Arm;
import dev.breakwater.gateway.config.RouteConfig;
import dev.breakwater.gateway.http.UpstreamResponse;
import dev.breakwater.gateway.runtime.RouteRuntime;

/**
 * The kill switch and the rollout: whether a checked request gets the route's policies (the resilient arm) or passes
 * through without them. A pass-through call still goes through the intake's checks, gets a correlation id, and fails
 * with the same problem+json as any other (safety and the error contract are never switched off); it is not
 * retried, timed out, rate limited, cached, deduplicated or held by a breaker or bulkhead. Operator degradation still
 * applies. The arm is a stable hash of the tenant, so a tenant gets the same arm on every replica.
 */
final class RolloutArm {
  private RolloutArm() {}

  /** The arm of a request of {@code tenant} on route {@code r}. */
  static Arm of(RouteRuntime rt, RouteConfig r, String tenant) {
    return rt.engine().controlPlane().arm(r.name(), r.upstream(), tenant);
  }

  /**
   * The pipeline a request runs: the route's own (cached or not). On the pass-through arm the engine runs it without
   * its policies (it reads the same controls), so the gateway keeps no pipeline of its own for that arm.
   */
  static Pipeline<UpstreamResponse> pipeline(RouteRuntime rt, RouteConfig r, boolean credentialed) {
    return credentialed && !r.cacheCredentialed() ? rt.uncachedPipeline(r.name()) : rt.pipeline(r.name());
  }
}
