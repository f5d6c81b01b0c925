package dev.breakwater.gateway.cache;

import dev.breakwater.spi.StoreKeys;
import io.vertx.core.MultiMap;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;

/**
 * The digest that scopes a request's private cache entries: SHA-256 (base64url) of its credentials, the
 * {@code Authorization} and {@code Cookie} headers, so an entry is served only to the credential the upstream answered.
 * The credential itself never reaches a key, a log or Redis.
 */
public final class CredentialDigest {
  private CredentialDigest() {}

  /** The digest of the request's credentials, or {@code null} when it carries none. */
  public static String of(MultiMap headers) {
    List<String> auth = headers.getAll("Authorization");
    List<String> cookie = headers.getAll("Cookie");
    if (auth.isEmpty() && cookie.isEmpty()) {
      return null;
    }
    // Both headers, every value, as one store key: injective, so no split of one value can equal another's.
    String[] parts = new String[auth.size() + cookie.size() + 2];
    int i = 0;
    parts[i++] = Integer.toString(auth.size());
    for (String a : auth) {
      parts[i++] = a;
    }
    parts[i++] = Integer.toString(cookie.size());
    for (String c : cookie) {
      parts[i++] = c;
    }
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(StoreKeys.ofParts(parts)
          .getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(d);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
