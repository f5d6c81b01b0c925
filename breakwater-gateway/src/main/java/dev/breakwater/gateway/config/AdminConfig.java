package dev.breakwater.gateway.config;

import java.util.Objects;

/**
 * The admin API's listener and the bearer token that guards it.
 *
 * @param host  the address to bind (default {@code 127.0.0.1}: the admin API stays local unless asked otherwise)
 * @param port  the port, 0..65535 (default 9090)
 * @param token the bearer token, at least 16 characters; never printed
 */
public record AdminConfig(String host, int port, String token) {

  /** Requires every field. */
  public AdminConfig {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(token, "token");
  }

  /** Shows every field but the token. */
  @Override
  public String toString() {
    return "AdminConfig[host=" + host + ", port=" + port + ", token=***]";
  }
}
