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

  /** The pipeline a request on {@code arm} runs: the route's own (cached or not), or its pass-through one. */
  static Pipeline<UpstreamResponse> pipeline(RouteRuntime rt, RouteConfig r, Arm arm, boolean credentialed) {
    if (arm == Arm.PASS_THROUGH) {
      return rt.passThroughPipeline(r.name());
    }
    return credentialed && !r.cacheCredentialed() ? rt.uncachedPipeline(r.name()) : rt.pipeline(r.name());
  }
}
