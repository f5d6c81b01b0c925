package dev.breakwater;

import java.util.Objects;

/**
 * The value of a completed call and where it came from; {@link #degraded()} tells a fallback or a stale cache
 * entry from a live answer.
 */
public final class CallResult<T> {
  private final T value;
  private final Source source;

  /** Creates a result of the given value and source. */
  public CallResult(T value, Source source) {
    this.value = value;
    this.source = Objects.requireNonNull(source, "source");
  }

  /** The value. */
  public T value() {
    return value;
  }

  /** Where the value came from. */
  public Source source() {
    return source;
  }

  /** Whether the value is a degraded answer (a fallback or a stale cache entry). */
  public boolean degraded() {
    return source.degraded();
  }

  @Override
  public String toString() {
    return "CallResult{" + source + ", " + value + '}';
  }
}
