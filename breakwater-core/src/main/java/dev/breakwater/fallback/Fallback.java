package dev.breakwater.fallback;

import dev.breakwater.BreakwaterException;
import dev.breakwater.CallContext;
import java.util.Objects;
import java.util.function.Function;

/**
 * What a failed call answers instead of failing; the result is marked degraded. {@link #lastGood()} serves the
 * call's last successful value (from the cache when the pipeline caches, else from its own bounded memory).
 *
 * @param <T> the call's value type
 */
@FunctionalInterface
public interface Fallback<T> {

  /** The value to answer with for a call that failed with {@code error}. */
  T apply(CallContext ctx, BreakwaterException error);

  /** Always the same value. */
  static <T> Fallback<T> value(T value) {
    return (ctx, error) -> value;
  }

  /** A value computed from the error. */
  static <T> Fallback<T> from(Function<BreakwaterException, T> fn) {
    Objects.requireNonNull(fn, "fn");
    return (ctx, error) -> fn.apply(error);
  }

  /** The last successful value of the same call (tenant, user, credential, operation, resource); else no fallback. */
  @SuppressWarnings("unchecked")
  static <T> Fallback<T> lastGood() {
    return (Fallback<T>) LastGood.INSTANCE;
  }

  /** The marker the pipeline recognises for {@link #lastGood()}. */
  final class LastGood implements Fallback<Object> {
    static final LastGood INSTANCE = new LastGood();

    private LastGood() {}

    @Override
    public Object apply(CallContext ctx, BreakwaterException error) {
      throw error; // the pipeline serves last-good values itself; reaching here means there was none
    }
  }
}
