package dev.breakwater.gateway.config;

import java.time.Duration;
import java.util.Objects;

/**
 * The proxy's listener.
 *
 * @param host           the address to bind (default {@code 127.0.0.1})
 * @param port           the port, 0..65535 (0 picks a free port, for tests; default 8080)
 * @param maxHeaderBytes the largest request header block; larger ones are answered 431 (default 16 KiB)
 * @param maxBodyBytes   the largest request body (413 beyond), and the largest answer read whole (default 10 MiB)
 * @param bufferBodyBytes request bodies up to this size are read whole before the call; larger ones that nothing
 *                       needs whole stream to the upstream, in a call that is not retried (default 1 MiB)
 * @param drainTimeout   how long a graceful shutdown waits for calls in flight (default 10 s)
 * @param requestHeadTimeout how long a connection may take to deliver a whole request head, from the accept or from
 *                       a later request's first byte; 0 for no limit (default 10 s)
 * @param idleTimeout    how long a connection may sit with nothing sent either way before it is closed; 0 for no
 *                       limit (default 120 s)
 * @param maxConnectionsPerClient the most connections one client address may hold open; more are closed at once;
 *                       0 for no limit (default 256)
 */
public record ServerConfig(String host, int port, int maxHeaderBytes, long maxBodyBytes, long bufferBodyBytes,
    Duration drainTimeout, Duration requestHeadTimeout, Duration idleTimeout, int maxConnectionsPerClient) {

  /** Requires every field. */
  public ServerConfig {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(drainTimeout, "drainTimeout");
    Objects.requireNonNull(requestHeadTimeout, "requestHeadTimeout");
    Objects.requireNonNull(idleTimeout, "idleTimeout");
  }

  /**
   * The defaults: {@code 127.0.0.1:8080}, 16 KiB of headers, 10 MiB of body (1 MiB read whole), 10 s to drain, 10 s
   * for a request head, 120 s idle, 256 connections per client address.
   */
  public static ServerConfig defaults() {
    return new ServerConfig("127.0.0.1", 8080, 16 * 1024, 10L * 1024 * 1024, 1024L * 1024, Duration.ofSeconds(10),
        Duration.ofSeconds(10), Duration.ofSeconds(120), 256);
  }
}
