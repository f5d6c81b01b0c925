package dev.breakwater.gateway.intake;

import io.netty.channel.Channel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Open connections per client address, bounded: one client cannot hold every connection the process can keep. The
 * count covers all the listener's event loops; a connection is counted from its accept until it closes.
 */
public final class ClientConnections {
  private final int max;
  /** Counts updated with compute, atomic per address, so an address's entry goes when its last connection does. */
  private final ConcurrentHashMap<InetAddress, Integer> open = new ConcurrentHashMap<>();

  /** A bound of {@code max} open connections per client address; 0 for none. */
  public ClientConnections(int max) {
    this.max = max;
  }

  /** Counts a new connection in, or says no when its client already holds the most it may. */
  boolean admit(Channel ch) {
    SocketAddress remote = ch.remoteAddress();
    if (max <= 0 || !(remote instanceof InetSocketAddress)) {
      return true;
    }
    InetAddress client = ((InetSocketAddress) remote).getAddress();
    boolean[] admitted = {false};
    open.compute(client, (k, n) -> {
      int now = n == null ? 0 : n;
      admitted[0] = now < max;
      return admitted[0] ? now + 1 : now;
    });
    if (admitted[0]) {
      ch.closeFuture().addListener(f -> open.computeIfPresent(client, (k, n) -> n <= 1 ? null : n - 1));
    }
    return admitted[0];
  }
}
