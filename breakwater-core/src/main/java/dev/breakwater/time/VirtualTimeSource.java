package dev.breakwater.time;

import java.time.Duration;
import java.util.PriorityQueue;

/**
 * A clock that moves only when told to: {@link #advance(Duration)} runs every task that falls due, in order, on the
 * calling thread, and {@link #sleep(long)} advances the clock instead of blocking. For tests of time-based policies.
 */
public final class VirtualTimeSource implements TimeSource {
  private final PriorityQueue<Task> tasks = new PriorityQueue<>();
  private long nanos;
  private final long epochMillisAtZero;
  private long sequence;

  /** A virtual clock starting at nanoTime 0 and the given wall-clock epoch milliseconds. */
  public VirtualTimeSource(long epochMillisAtZero) {
    this.epochMillisAtZero = epochMillisAtZero;
  }

  /** A virtual clock starting at nanoTime 0 and 2026-01-01T00:00:00Z. */
  public VirtualTimeSource() {
    this(1_767_225_600_000L);
  }

  @Override
  public synchronized long nanoTime() {
    return nanos;
  }

  @Override
  public synchronized long epochMillis() {
    return epochMillisAtZero + Math.floorDiv(nanos, 1_000_000L);
  }

  @Override
  public synchronized Cancellable schedule(Runnable task, long delayNanos) {
    Task t = new Task(nanos + Math.max(0, delayNanos), sequence++, task);
    tasks.add(t);
    return () -> {
      synchronized (VirtualTimeSource.this) {
        return tasks.remove(t);
      }
    };
  }

  @Override
  public void sleep(long sleepNanos) {
    advance(sleepNanos);
  }

  /** Moves the clock forward, running every task due on the way at its own time. */
  public void advance(Duration d) {
    advance(d.toNanos());
  }

  /** Moves the clock forward by {@code delta} nanoseconds, running due tasks in order. */
  public void advance(long delta) {
    long target;
    synchronized (this) {
      target = nanos + Math.max(0, delta);
    }
    while (true) {
      Task next;
      synchronized (this) {
        next = tasks.peek();
        if (next == null || next.at > target) {
          nanos = Math.max(nanos, target);
          return;
        }
        tasks.poll();
        nanos = Math.max(nanos, next.at);
      }
      // Run outside the lock: a task may schedule more tasks or read the clock.
      next.task.run();
    }
  }

  /** Runs every task already due at the current instant. */
  public void runDue() {
    advance(0);
  }

  /** The number of tasks waiting to run. */
  public synchronized int pendingTasks() {
    return tasks.size();
  }

  private static final class Task implements Comparable<Task> {
    final long at;
    final long seq;
    final Runnable task;

    Task(long at, long seq, Runnable task) {
      this.at = at;
      this.seq = seq;
      this.task = task;
    }

    @Override
    public int compareTo(Task o) {
      int c = Long.compare(at, o.at);
      return c != 0 ? c : Long.compare(seq, o.seq);
    }
  }
}
