package dev.breakwater.time;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The real clock; one daemon thread fires timers, so a task must only hand work on, never block. */
final class SystemTimeSource implements TimeSource {
  static final SystemTimeSource INSTANCE = new SystemTimeSource();
  private static final Logger LOG = LoggerFactory.getLogger(SystemTimeSource.class);

  private final ScheduledThreadPoolExecutor timer;

  private SystemTimeSource() {
    timer = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "breakwater-timer");
      t.setDaemon(true);
      return t;
    });
    // Cancelled timeouts are the common case (the attempt finished first); keep the queue from filling with them.
    timer.setRemoveOnCancelPolicy(true);
  }

  @Override
  public long nanoTime() {
    return System.nanoTime();
  }

  @Override
  public long epochMillis() {
    return System.currentTimeMillis();
  }

  @Override
  public Cancellable schedule(Runnable task, long delayNanos) {
    ScheduledFuture<?> f = timer.schedule(() -> {
      try {
        task.run();
      } catch (Throwable t) {
        // A timer task that throws would otherwise vanish into its ScheduledFuture.
        LOG.error("breakwater timer task failed", t);
      }
    }, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
    return () -> f.cancel(false);
  }

  @Override
  public void sleep(long nanos) throws InterruptedException {
    long end = System.nanoTime() + nanos;
    long left;
    while ((left = end - System.nanoTime()) > 0) {
      LockSupport.parkNanos(left);
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
    }
  }
}
