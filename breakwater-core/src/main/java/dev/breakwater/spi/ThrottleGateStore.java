package dev.breakwater.spi;

import java.util.Map;

/**
 * Where upstream throttle windows live: "tenant T on upstream U is closed until instant X". Instants are wall-clock
 * epoch milliseconds because a fleet shares them.
 */
public interface ThrottleGateStore {

  /**
   * The instant until which the gate is closed, or, when it is open, 0 or an instant not after now (a window that has
   * passed may still be reported); must be cheap, it is read on every call.
   */
  long closedUntil(String upstream, String tenant);

  /** Closes the gate until {@code untilEpochMillis}; a gate already closed for longer stays closed for longer. */
  void close(String upstream, String tenant, long untilEpochMillis);

  /**
   * The gates of {@code upstream} closed now, tenant to the epoch millis each reopens, for operators (the admin API
   * lists them); a store that cannot list cheaply answers from what this instance knows.
   */
  Map<String, Long> closedGates(String upstream);
}
