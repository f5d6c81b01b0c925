package dev.breakwater.cache;

import dev.breakwater.CallContext;
import dev.breakwater.spi.StoreKeys;

/**
 * The cache keys of one cache policy, and the prefixes that invalidate them. A key is the {@link StoreKeys} encoding
 * of, in this order: {@code version, tenant, operation, scope, user, credential, resource}, where scope is
 * {@link #SHARED} (user and credential then absent: one entry per tenant) or {@link #PRIVATE} (one entry per user and
 * credential digest). The order makes every invalidation a prefix: a version, a version and tenant, a tenant's
 * operation, a user's entries of an operation (all of that user's credentials); and the scope marker keeps a shared
 * entry apart from a private entry whose user is absent.
 */
public final class CacheKeys {
  /** The scope part of a key shared by a tenant's users. */
  public static final String SHARED = "S";
  /** The scope part of a key private to a user and credential. */
  public static final String PRIVATE = "P";
  /** The index of the tenant part (for {@link StoreKeys#part}). */
  public static final int TENANT_PART = 1;
  /** The index of the operation part (for {@link StoreKeys#part} and {@code CacheStore#invalidateWhere}). */
  public static final int OPERATION_PART = 2;

  private final String version;
  private final boolean shared;

  /** The keys of {@code config}'s version and scope. */
  public CacheKeys(CacheConfig config) {
    this.version = config.version();
    this.shared = config.shared();
  }

  /** The key of a call's cached read. */
  public String key(CallContext ctx) {
    return shared
        ? StoreKeys.ofParts(version, ctx.tenant(), ctx.operation(), SHARED, null, null, ctx.resource())
        : StoreKeys.ofParts(version, ctx.tenant(), ctx.operation(), PRIVATE, ctx.user(), ctx.credential(),
            ctx.resource());
  }

  /** The prefix of every entry of one version. */
  public static String versionPrefix(String version) {
    return StoreKeys.of(version);
  }

  /** The prefix of every entry of a tenant in one version. */
  public static String tenantPrefix(String version, String tenant) {
    return StoreKeys.of(version, tenant);
  }

  /** The prefix of every entry of a tenant's operation in one version (shared and private alike). */
  public static String operationPrefix(String version, String tenant, String operation) {
    return StoreKeys.of(version, tenant, operation);
  }

  /**
   * The prefix of what a write by {@code user} changes in an operation's cache: the tenant's entries of a shared
   * cache, or that user's entries (every credential) of a private one.
   */
  public static String userPrefix(String version, String tenant, String operation, boolean shared, String user) {
    return shared ? StoreKeys.of(version, tenant, operation, SHARED)
        : StoreKeys.of(version, tenant, operation, PRIVATE, user);
  }
}
