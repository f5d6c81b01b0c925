package dev.breakwater.redis.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Picks loopback ports that are free at the moment of asking; callers still retry, since another process may win. */
final class FreePorts {
  /** Redis Cluster listens on the client port plus this offset for its node-to-node bus. */
  static final int CLUSTER_BUS_OFFSET = 10000;

  private static final int ATTEMPTS = 200;

  private FreePorts() {}

  /** A free port on 127.0.0.1; with {@code withClusterBus}, port + 10000 is a valid, free port as well. */
  static int pick(boolean withClusterBus) {
    IOException last = null;
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      try {
        int port = bindAndRelease(0);
        if (port == RespClient.SHARED_REDIS_PORT) {
          continue;
        }
        if (!withClusterBus) {
          return port;
        }
        // The kernel hands out ports up to 60999, so about a fifth of them have no room for the bus port.
        if (port + CLUSTER_BUS_OFFSET <= 65535 && isFree(port + CLUSTER_BUS_OFFSET)) {
          return port;
        }
      } catch (IOException e) {
        last = e;
      }
    }
    throw new UncheckedIOException(new IOException("no free loopback port after " + ATTEMPTS + " attempts", last));
  }

  private static boolean isFree(int port) {
    try {
      bindAndRelease(port);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static int bindAndRelease(int port) throws IOException {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getByName(RespClient.HOST), port));
      return socket.getLocalPort();
    }
  }
}
