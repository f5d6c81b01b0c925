package dev.breakwater.bench;

import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * The call every benchmark protects: returns a preallocated value read from a field, so that the JIT can neither
 * fold it to a constant nor allocate. One object serves as the {@link Supplier} of Resilience4j, the
 * {@link Callable} of Breakwater and the {@code CheckedSupplier} of Failsafe, so all rows call the same code.
 */
final class Upstream implements Supplier<String>, Callable<String>, dev.failsafe.function.CheckedSupplier<String> {
  private String value;

  Upstream(String value) {
    this.value = value;
  }

  @Override
  public String get() {
    return value;
  }

  @Override
  public String call() {
    return value;
  }
}
