package dev.breakwater.ratelimit;

import dev.breakwater.CallContext;
import dev.breakwater.spi.StoreKeys;

/** Whose budget a rate limit counts: one shared bucket, or one per tenant, user, operation or upstream. */
public enum RateLimitScope {
  /** One bucket for every call. */
  GLOBAL,
  /** One bucket per tenant. */
  TENANT,
  /** One bucket per user of a tenant. */
  USER,
  /** One bucket per operation. */
  OPERATION,
  /** One bucket per tenant and operation. */
  TENANT_OPERATION;

  /**
   * The bucket key of a call in this scope, built by {@link StoreKeys} (an absent id is an absent part): the tenant
   * first for the tenant scopes, the operation alone for {@link #OPERATION}, no part at all for {@link #GLOBAL}.
   */
  public String key(CallContext ctx) {
    switch (this) {
      case GLOBAL:
        return "";
      case TENANT:
        return StoreKeys.of(ctx.tenant());
      case USER:
        return StoreKeys.of(ctx.tenant(), ctx.user());
      case OPERATION:
        return StoreKeys.of(ctx.operation());
      default:
        return StoreKeys.of(ctx.tenant(), ctx.operation());
    }
  }

  /** Whether this scope's keys start with the tenant (the others are shared across tenants). */
  public boolean byTenant() {
    return this == TENANT || this == USER || this == TENANT_OPERATION;
  }
}
