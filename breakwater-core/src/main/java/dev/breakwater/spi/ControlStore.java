package dev.breakwater.spi;

import dev.breakwater.control.ControlEntry;
import dev.breakwater.control.ControlKey;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Where operator settings live, shared by every instance that uses the same store: a write is kept (durably, in a
 * shared store) and every subscriber, on every instance, hears of it. Each change gets a revision from the store,
 * higher than every revision before it, so that subscribers apply changes in one order whatever order they arrive in.
 */
public interface ControlStore extends AutoCloseable {

  /** Keeps {@code entry} (replacing the entry of its key); completes with the entry as stored, with its revision. */
  CompletionStage<ControlEntry> put(ControlEntry entry);

  /** Removes the entry of {@code key}, if any; {@code by} names who did; completes with the removal's revision. */
  CompletionStage<Long> remove(ControlKey key, String by);

  /** Every entry now (lapsed ones may be included; readers drop them), and the revision they are current to. */
  CompletionStage<Snapshot> readAll();

  /**
   * Tells {@code listener} of every change from now on, made here or by another instance; a store that may have
   * missed changes (a reconnect) calls {@link Listener#onResync} with a fresh snapshot. Listeners must not block.
   */
  void subscribe(Listener listener);

  /** Releases what the store holds (connections, subscriptions); the default holds nothing. */
  @Override
  default void close() {}

  /**
   * Every entry at one revision.
   *
   * @param entries  the entries
   * @param revision the revision of the newest change they include
   */
  record Snapshot(List<ControlEntry> entries, long revision) {
    /** Copies the entries. */
    public Snapshot {
      entries = List.copyOf(entries);
    }
  }

  /** Receives the changes of a control store. */
  interface Listener {
    /** An entry was set. */
    void onPut(ControlEntry entry);

    /** The entry of {@code key} was removed by {@code by} at {@code revision}. */
    void onRemove(ControlKey key, String by, long revision);

    /** Changes may have been missed: {@code snapshot} is the whole state. */
    void onResync(Snapshot snapshot);
  }
}
