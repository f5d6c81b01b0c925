package dev.breakwater.internal;

import dev.breakwater.spi.ContextCarrier;
import java.util.List;

/** The one carrier an engine uses: none, the single configured one, or several opened and closed in turn. */
final class ContextCarriers {
  private ContextCarriers() {}

  /** A carrier for {@code carriers}, or null when there is none (the engine then skips capturing altogether). */
  static ContextCarrier of(List<ContextCarrier> carriers) {
    if (carriers.isEmpty()) {
      return null;
    }
    if (carriers.size() == 1) {
      return carriers.get(0);
    }
    List<ContextCarrier> all = List.copyOf(carriers);
    return () -> {
      ContextCarrier.Captured[] captured = new ContextCarrier.Captured[all.size()];
      boolean any = false;
      for (int i = 0; i < captured.length; i++) {
        captured[i] = all.get(i).capture();
        any |= captured[i] != null;
      }
      if (!any) {
        return null;
      }
      return () -> {
        ContextCarrier.Scope[] scopes = new ContextCarrier.Scope[captured.length];
        for (int i = 0; i < captured.length; i++) {
          scopes[i] = captured[i] == null ? () -> { } : captured[i].open();
        }
        return () -> {
          // Closed in reverse: each scope restores what was current when it opened.
          for (int i = scopes.length - 1; i >= 0; i--) {
            scopes[i].close();
          }
        };
      };
    };
  }
}
