package dev.breakwater.control;

import java.util.Objects;

/**
 * One setting as a store keeps it: the value, who set it, when, until when, and the store's revision, which orders
 * the changes every replica sees.
 *
 * @param key             the control and its target
 * @param setting         the value; its kind is the key's
 * @param setBy           the name of whoever set it (an admin token's name, a health rule's name, {@code api})
 * @param setAtMillis     when, in epoch milliseconds
 * @param expiresAtMillis when it lapses by itself, in epoch milliseconds; 0 for never
 * @param revision        the store's order of changes: a change with a higher revision is newer; 0 before it is stored
 */
public record ControlEntry(ControlKey key, Setting setting, String setBy, long setAtMillis, long expiresAtMillis,
    long revision) {

  /** Checks the parts are present and the value belongs to the key's control. */
  public ControlEntry {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(setting, "setting");
    Objects.requireNonNull(setBy, "setBy");
    if (setting.kind() != key.kind()) {
      throw new IllegalArgumentException("a " + setting.kind().wireName() + " value under a " + key.kind().wireName()
          + " key");
    }
  }

  /** Whether the entry has lapsed at {@code nowMillis}. */
  public boolean expired(long nowMillis) {
    return expiresAtMillis > 0 && expiresAtMillis <= nowMillis;
  }

  /** The same entry with the revision a store gave it. */
  public ControlEntry withRevision(long newRevision) {
    return new ControlEntry(key, setting, setBy, setAtMillis, expiresAtMillis, newRevision);
  }
}
