package dev.breakwater.idempotency;

/**
 * The answer to an idempotency reservation.
 *
 * @param status what happened
 * @param value  the stored value when {@code status} is {@link Status#REPLAY}
 * @param <V>    the stored value type
 */
public record Reservation<V>(Status status, V value) {

  /** What a reservation found. */
  public enum Status {
    /** The key is now reserved for this call: run it. */
    RESERVED,
    /** The key was completed: replay the stored value. */
    REPLAY,
    /** The key is in flight in another call. */
    CONFLICT,
    /** The key was used with a different request. */
    MISMATCH
  }

  /** The key is reserved for the caller. */
  public static <V> Reservation<V> reserved() {
    return new Reservation<>(Status.RESERVED, null);
  }

  /** Replay {@code value}. */
  public static <V> Reservation<V> replay(V value) {
    return new Reservation<>(Status.REPLAY, value);
  }

  /** Another call holds the key. */
  public static <V> Reservation<V> conflict() {
    return new Reservation<>(Status.CONFLICT, null);
  }

  /** The key belongs to another request. */
  public static <V> Reservation<V> mismatch() {
    return new Reservation<>(Status.MISMATCH, null);
  }
}
