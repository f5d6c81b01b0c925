package dev.breakwater.gateway.config;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * Identity from the claims of a bearer JWT, verified against a JWKS, an issuer and an audience.
 *
 * @param jwksUrl      where the signing keys are published (http or https)
 * @param issuer       the required {@code iss}
 * @param audience     the required {@code aud}
 * @param tenantClaim  the claim naming the tenant (default {@code tid})
 * @param userClaim    the claim naming the user (default {@code oid})
 * @param jwksCacheTtl how long fetched keys are reused (default 10 min)
 */
public record JwtConfig(URI jwksUrl, String issuer, String audience, String tenantClaim, String userClaim,
    Duration jwksCacheTtl) {

  /** Requires every field. */
  public JwtConfig {
    Objects.requireNonNull(jwksUrl, "jwksUrl");
    Objects.requireNonNull(issuer, "issuer");
    Objects.requireNonNull(audience, "audience");
    Objects.requireNonNull(tenantClaim, "tenantClaim");
    Objects.requireNonNull(userClaim, "userClaim");
    Objects.requireNonNull(jwksCacheTtl, "jwksCacheTtl");
  }
}
