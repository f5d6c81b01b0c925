package dev.breakwater.redis.testing;

import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * Bounded polling: the fixtures' (and the fleet tests') only way to wait, so that no fixed sleep stands in for
 * synchronization.
 */
public final class Poll {
  static final Duration INTERVAL = Duration.ofMillis(50);

  private Poll() {}

  /**
   * Calls {@code probe} every {@link #INTERVAL} until it returns a non-null value other than {@code Boolean.FALSE},
   * and returns that value; exceptions from the probe count as "not yet" and are reported if the deadline passes.
   */
  public static <T> T until(String what, Duration timeout, Callable<T> probe) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Object lastObservation = null;
    while (true) {
      try {
        T value = probe.call();
        if (value != null && !Boolean.FALSE.equals(value)) {
          return value;
        }
        lastObservation = value;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for " + what, e);
      } catch (Exception e) {
        lastObservation = e;
      }
      if (System.nanoTime() - deadline >= 0) {
        IllegalStateException failure = new IllegalStateException(
            "timed out after " + timeout.toMillis() + " ms waiting for " + what + "; last observation: "
                + lastObservation);
        if (lastObservation instanceof Throwable) {
          failure.initCause((Throwable) lastObservation);
        }
        throw failure;
      }
      pause();
    }
  }

  /**
   * Calls {@code check} every {@link #INTERVAL} until it returns {@code null} (meaning "no problem left"); a returned
   * string describes what is still wrong and ends up in the timeout message.
   */
  static void untilNoProblem(String what, Duration timeout, Callable<String> check) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Object lastProblem = null;
    while (true) {
      try {
        String problem = check.call();
        if (problem == null) {
          return;
        }
        lastProblem = problem;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for " + what, e);
      } catch (Exception e) {
        lastProblem = e;
      }
      if (System.nanoTime() - deadline >= 0) {
        IllegalStateException failure = new IllegalStateException(
            "timed out after " + timeout.toMillis() + " ms waiting for " + what + "; still: " + lastProblem);
        if (lastProblem instanceof Throwable) {
          failure.initCause((Throwable) lastProblem);
        }
        throw failure;
      }
      pause();
    }
  }

  /** Sleeps one polling interval, keeping the interrupt flag. */
  static void pause() {
    try {
      Thread.sleep(INTERVAL.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
