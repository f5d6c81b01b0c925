package dev.breakwater.gateway.identity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.breakwater.gateway.config.JwtConfig;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

/**
 * Verifies a bearer JWT against the identity provider's JWKS (RS256/384/512, ES256/384/512; never {@code none} or
 * HMAC) and its issuer, audience, expiry and not-before (with a minute of leeway), and reads tenant and user from
 * the configured claims.
 */
public final class JwtVerifier {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long LEEWAY_SECONDS = 60;

  private final JwtConfig config;
  private final Jwks jwks;
  private final LongSupplier epochMillis;

  /** Creates a verifier for one identity provider. */
  public JwtVerifier(JwtConfig config, LongSupplier epochMillis) {
    this.config = config;
    this.epochMillis = epochMillis;
    this.jwks = new Jwks(config.jwksUrl(), config.jwksCacheTtl(), epochMillis);
  }

  /** Who a verified token speaks for. */
  public record Identity(String tenant, String user) {}

  /** Verifies the token; fails with {@link InvalidToken} saying why. */
  public CompletableFuture<Identity> verify(String token) {
    String[] parts = token.split("\\.", -1);
    if (parts.length != 3) {
      return CompletableFuture.failedFuture(new InvalidToken("not a JWS compact token"));
    }
    JsonNode header;
    JsonNode claims;
    byte[] signature;
    try {
      header = JSON.readTree(Base64.getUrlDecoder().decode(parts[0]));
      claims = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
      signature = Base64.getUrlDecoder().decode(parts[2]);
    } catch (Exception e) {
      return CompletableFuture.failedFuture(new InvalidToken("malformed token"));
    }
    String alg = header.path("alg").asText("");
    String javaAlg = switch (alg) {
      case "RS256" -> "SHA256withRSA";
      case "RS384" -> "SHA384withRSA";
      case "RS512" -> "SHA512withRSA";
      case "ES256" -> "SHA256withECDSAinP1363Format";
      case "ES384" -> "SHA384withECDSAinP1363Format";
      case "ES512" -> "SHA512withECDSAinP1363Format";
      default -> null;
    };
    if (javaAlg == null) {
      return CompletableFuture.failedFuture(new InvalidToken("alg: \"" + alg + "\" (expected: RS256/384/512 or "
          + "ES256/384/512)"));
    }
    String kid = header.path("kid").asText("");
    byte[] signed = (parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII);
    return jwks.key(kid).thenApply(key -> {
      if (key == null) {
        throw new InvalidToken("kid: \"" + kid + "\" (expected: a key of " + config.jwksUrl() + ")");
      }
      if (!valid(javaAlg, key, signed, signature)) {
        throw new InvalidToken("signature does not verify");
      }
      long now = epochMillis.getAsLong() / 1000;
      if (!claims.has("exp") || claims.path("exp").asLong() + LEEWAY_SECONDS < now) {
        throw new InvalidToken("token expired");
      }
      if (claims.has("nbf") && claims.path("nbf").asLong() - LEEWAY_SECONDS > now) {
        throw new InvalidToken("token not valid yet");
      }
      if (!config.issuer().equals(claims.path("iss").asText(null))) {
        throw new InvalidToken("iss: \"" + claims.path("iss").asText("") + "\" (expected: " + config.issuer()
            + ")");
      }
      JsonNode aud = claims.path("aud");
      boolean audOk = aud.isArray() ? containsText(aud, config.audience()) : config.audience().equals(aud.asText());
      if (!audOk) {
        throw new InvalidToken("aud: " + aud + " (expected: " + config.audience() + ")");
      }
      String tenant = claims.path(config.tenantClaim()).asText(null);
      if (tenant == null || tenant.isBlank()) {
        throw new InvalidToken(config.tenantClaim() + ": missing (expected: the tenant claim)");
      }
      return new Identity(tenant, claims.path(config.userClaim()).asText(null));
    });
  }

  private static boolean containsText(JsonNode array, String value) {
    for (JsonNode n : array) {
      if (value.equals(n.asText())) {
        return true;
      }
    }
    return false;
  }

  private static boolean valid(String alg, PublicKey key, byte[] signed, byte[] signature) {
    try {
      if (alg.contains("ECDSA") != key.getAlgorithm().equals("EC")) {
        return false; // a key must only verify the algorithm family it was made for
      }
      Signature s = Signature.getInstance(alg);
      s.initVerify(key);
      s.update(signed);
      return s.verify(signature);
    } catch (Exception e) {
      return false;
    }
  }

  /** A token that does not verify; the message says why (never the token itself). */
  public static final class InvalidToken extends RuntimeException {
    private static final long serialVersionUID = 1L;

    InvalidToken(String message) {
      super(message, null, false, false);
    }
  }

  @Override
  public String toString() {
    return "JwtVerifier{" + config.jwksUrl() + ", " + Arrays.asList(config.issuer(), config.audience()) + "}";
  }
}
