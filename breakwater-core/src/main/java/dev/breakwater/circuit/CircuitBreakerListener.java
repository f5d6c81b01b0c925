package dev.breakwater.circuit;

/** Told of every state transition of a circuit breaker. */
@FunctionalInterface
public interface CircuitBreakerListener {
  /** The breaker moved from {@code from} to {@code to} for the given reason. */
  void onTransition(CircuitBreaker breaker, CircuitState from, CircuitState to, String reason);
}
