package dev.breakwater.control;

import dev.breakwater.spi.ControlStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Settings in this process: they outlive a reload (the store is the gateway's, not a config's) but not a restart.
 * Changes are delivered to subscribers synchronously, before the write completes.
 */
public final class InMemoryControlStore implements ControlStore {
  private final Map<ControlKey, ControlEntry> entries = new LinkedHashMap<>();
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private long revision;

  @Override
  public CompletionStage<ControlEntry> put(ControlEntry entry) {
    ControlEntry stored;
    synchronized (this) {
      stored = entry.withRevision(++revision);
      entries.put(stored.key(), stored);
      // Delivered under the lock so that every listener sees the changes in revision order.
      listeners.forEach(l -> l.onPut(stored));
    }
    return CompletableFuture.completedFuture(stored);
  }

  @Override
  public CompletionStage<Long> remove(ControlKey key, String by) {
    long r;
    synchronized (this) {
      r = ++revision;
      entries.remove(key);
      long at = r;
      listeners.forEach(l -> l.onRemove(key, by, at));
    }
    return CompletableFuture.completedFuture(r);
  }

  @Override
  public synchronized CompletionStage<Snapshot> readAll() {
    return CompletableFuture.completedFuture(new Snapshot(new ArrayList<>(entries.values()), revision));
  }

  @Override
  public void subscribe(Listener listener) {
    listeners.add(listener);
  }
}
