package dev.breakwater.gateway.identity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.AlgorithmParameters;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The signing keys of a JWKS URL, cached with stale-while-revalidate: keys are served from the cache; once older
 * than the ttl they are still served while one background fetch refreshes them; an unknown key id triggers a refresh
 * (at most one every few seconds, so a flood of forged key ids cannot hammer the identity provider). A failed fetch
 * keeps the keys there are.
 */
public final class Jwks {
  private static final Logger LOG = LoggerFactory.getLogger(Jwks.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long MIN_REFRESH_GAP_MILLIS = 5_000;

  private final URI url;
  private final long ttlMillis;
  private final HttpClient http;
  private final LongSupplier clock;
  private final AtomicReference<Snapshot> keys = new AtomicReference<>(new Snapshot(Map.of(), Long.MIN_VALUE / 2));
  private final AtomicReference<CompletableFuture<Snapshot>> refreshing = new AtomicReference<>();
  private volatile long lastAttempt = Long.MIN_VALUE / 2;

  /** Creates a cache of the keys at {@code url}, fresh for {@code ttl}. */
  public Jwks(URI url, Duration ttl, LongSupplier epochMillis) {
    this.url = url;
    this.ttlMillis = ttl.toMillis();
    this.clock = epochMillis;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  }

  /** The key with this id: from the cache, or after one refresh when the id is unknown; null if it does not exist. */
  public CompletableFuture<PublicKey> key(String kid) {
    Snapshot s = keys.get();
    long now = clock.getAsLong();
    PublicKey k = s.keys.get(kid);
    if (k != null) {
      if (now - s.fetchedAt > ttlMillis) {
        refresh(now); // stale: serve it, revalidate in the background
      }
      return CompletableFuture.completedFuture(k);
    }
    if (now - lastAttempt < MIN_REFRESH_GAP_MILLIS) {
      return CompletableFuture.completedFuture(null);
    }
    return refresh(now).thenApply(fresh -> fresh.keys.get(kid));
  }

  private CompletableFuture<Snapshot> refresh(long now) {
    CompletableFuture<Snapshot> running = refreshing.get();
    if (running != null) {
      return running;
    }
    CompletableFuture<Snapshot> mine = new CompletableFuture<>();
    if (!refreshing.compareAndSet(null, mine)) {
      return refreshing.get();
    }
    lastAttempt = now;
    http.sendAsync(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(5)).GET().build(),
        HttpResponse.BodyHandlers.ofString()).whenComplete((r, e) -> {
          Snapshot result = keys.get();
          try {
            if (e != null || r.statusCode() != 200) {
              LOG.warn("JWKS fetch from {} failed ({}); keeping {} cached keys", url,
                  e != null ? e.toString() : "HTTP " + r.statusCode(), result.keys.size());
            } else {
              result = new Snapshot(parse(r.body()), clock.getAsLong());
              keys.set(result);
            }
          } catch (RuntimeException ex) {
            LOG.warn("JWKS from {} is malformed ({}); keeping {} cached keys", url, ex.toString(),
                result.keys.size());
          } finally {
            refreshing.set(null);
            mine.complete(result);
          }
        });
    return mine;
  }

  /** Parses a JWK Set: RSA keys and EC keys on P-256, P-384 and P-521; other keys are skipped. */
  static Map<String, PublicKey> parse(String json) {
    try {
      Map<String, PublicKey> out = new HashMap<>();
      for (JsonNode k : JSON.readTree(json).path("keys")) {
        String kid = k.path("kid").asText("");
        String use = k.path("use").asText("sig");
        if (!use.equals("sig")) {
          continue;
        }
        switch (k.path("kty").asText()) {
          case "RSA":
            out.put(kid, KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(
                uint(k.path("n").asText()), uint(k.path("e").asText()))));
            break;
          case "EC":
            String curve = switch (k.path("crv").asText()) {
              case "P-256" -> "secp256r1";
              case "P-384" -> "secp384r1";
              case "P-521" -> "secp521r1";
              default -> null;
            };
            if (curve == null) {
              continue;
            }
            AlgorithmParameters p = AlgorithmParameters.getInstance("EC");
            p.init(new ECGenParameterSpec(curve));
            out.put(kid, KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(new ECPoint(
                uint(k.path("x").asText()), uint(k.path("y").asText())), p.getParameterSpec(ECParameterSpec.class))));
            break;
          default:
            break;
        }
      }
      return Map.copyOf(out);
    } catch (Exception e) {
      throw new IllegalArgumentException("malformed JWKS: " + e.getMessage(), e);
    }
  }

  private static BigInteger uint(String b64) {
    return new BigInteger(1, Base64.getUrlDecoder().decode(b64));
  }

  private record Snapshot(Map<String, PublicKey> keys, long fetchedAt) {}
}
