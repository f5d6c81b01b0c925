package dev.breakwater.gateway.config;

import java.util.List;
import java.util.Objects;

/**
 * The admin API's listener and the named bearer tokens that guard it.
 *
 * @param host   the address to bind (default {@code 127.0.0.1}: the admin API stays local unless asked otherwise)
 * @param port   the port, 0..65535 (default 9090)
 * @param tokens the tokens, at least one; each change an operator makes is logged with its token's name
 */
public record AdminConfig(String host, int port, List<AdminToken> tokens) {

  /** Requires every field and at least one token. */
  public AdminConfig {
    Objects.requireNonNull(host, "host");
    tokens = List.copyOf(tokens);
    if (tokens.isEmpty()) {
      throw new IllegalArgumentException("admin needs at least one token");
    }
  }

  /** The first token (the one {@code admin.token} gives, named {@code admin}, when it is set). */
  public String token() {
    return tokens.get(0).token();
  }

  /**
   * One bearer token and the name its holder's changes are logged under.
   *
   * @param name  a name of letters, digits, '.', '_' and '-' (the single {@code admin.token} is named {@code admin})
   * @param token the secret, at least 16 characters; never printed
   */
  public record AdminToken(String name, String token) {
    /** Requires both fields. */
    public AdminToken {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(token, "token");
    }

    /** Shows the name only. */
    @Override
    public String toString() {
      return "AdminToken[name=" + name + ", token=***]";
    }
  }
}
