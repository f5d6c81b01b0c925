package dev.breakwater.gateway.config;

import java.util.Objects;
import java.util.Optional;

/**
 * Where a request's tenant and user come from: request headers, or the claims of a verified JWT when {@code jwt} is
 * present.
 *
 * @param tenantHeader the header naming the tenant (default {@code X-Tenant-Id})
 * @param userHeader   the header naming the user (default {@code X-User-Id})
 * @param jwt          JWT verification settings, or empty to trust the headers
 */
public record IdentityConfig(String tenantHeader, String userHeader, Optional<JwtConfig> jwt) {

  /** Requires the header names. */
  public IdentityConfig {
    Objects.requireNonNull(tenantHeader, "tenantHeader");
    Objects.requireNonNull(userHeader, "userHeader");
    jwt = jwt == null ? Optional.empty() : jwt;
  }

  /** Identity from {@code X-Tenant-Id} and {@code X-User-Id}. */
  public static IdentityConfig defaults() {
    return new IdentityConfig("X-Tenant-Id", "X-User-Id", Optional.empty());
  }
}
