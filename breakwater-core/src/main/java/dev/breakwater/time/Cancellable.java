package dev.breakwater.time;

/** A handle to a scheduled task. */
@FunctionalInterface
public interface Cancellable {
  /** A handle that cancels nothing. */
  Cancellable NONE = () -> false;

  /** Cancels the task if it has not run yet; returns whether it was cancelled. */
  boolean cancel();
}
