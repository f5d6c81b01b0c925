package dev.breakwater.ratelimit;

import dev.breakwater.CallContext;

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

  /** The bucket key of a call in this scope; a missing id counts as the empty string. */
  public String key(CallContext ctx) {
    switch (this) {
      case GLOBAL:
        return "";
      case TENANT:
        return orEmpty(ctx.tenant());
      case USER:
        return orEmpty(ctx.tenant()) + '\u001f' + orEmpty(ctx.user());
      case OPERATION:
        return orEmpty(ctx.operation());
      default:
        return orEmpty(ctx.tenant()) + '\u001f' + orEmpty(ctx.operation());
    }
  }

  private static String orEmpty(String s) {
    return s == null ? "" : s;
  }
}
