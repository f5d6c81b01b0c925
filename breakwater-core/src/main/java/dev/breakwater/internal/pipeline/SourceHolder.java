package dev.breakwater.internal.pipeline;

import dev.breakwater.Source;
import dev.breakwater.spi.ContextCarrier;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;

/**
 * What a call's stages share with the pipeline: where a synchronous call's value came from, how long the call's
 * attempts spent in the upstream, and the caller's context to make current on other threads. Only allocated when the
 * caller (or a listener, or a context carrier) asks.
 */
final class SourceHolder {
  Source source = Source.UPSTREAM;
  /** The sum of the call's attempts' upstream time; written by one attempt at a time, read when the call ends. */
  long upstreamNanos;
  /** The caller's context captured when an asynchronous call started, or null when no carrier is configured. */
  ContextCarrier.Captured context;

  /** {@code task}, run with the caller's context current when there is one. */
  static Runnable carry(SourceHolder h, Runnable task) {
    ContextCarrier.Captured c = h == null ? null : h.context;
    if (c == null) {
      return task;
    }
    return () -> {
      try (ContextCarrier.Scope s = c.open()) {
        task.run();
      }
    };
  }

  /** {@code callback}, run with the caller's context current when there is one. */
  static <V> BiConsumer<V, Throwable> carry(SourceHolder h, BiConsumer<V, Throwable> callback) {
    ContextCarrier.Captured c = h == null ? null : h.context;
    if (c == null) {
      return callback;
    }
    return (v, e) -> {
      try (ContextCarrier.Scope s = c.open()) {
        callback.accept(v, e);
      }
    };
  }

  /** {@code executor}, running its tasks with the caller's context current when there is one. */
  static Executor carry(SourceHolder h, Executor executor) {
    return h == null || h.context == null ? executor : task -> executor.execute(carry(h, task));
  }
}
