package dev.breakwater.gateway.internal;

import dev.breakwater.time.Cancellable;
import dev.breakwater.time.TimeSource;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;

/**
 * The engine's clock and executor inside the gateway: timers and hand-offs started on an event loop stay on that
 * event loop (a Vert.x timer, a task on the same context), so an attempt's timeout and a retry never cross to another
 * thread and back. Anywhere else (a Redis client thread) they fall back to the system timer and the common pool.
 */
public final class EventLoopTime implements TimeSource, Executor {
  private final TimeSource system = TimeSource.system();

  /** The clock the gateway's engine reads. */
  public static EventLoopTime create() {
    return new EventLoopTime();
  }

  private EventLoopTime() {}

  @Override
  public long nanoTime() {
    return system.nanoTime();
  }

  @Override
  public long epochMillis() {
    return system.epochMillis();
  }

  @Override
  public Cancellable schedule(Runnable task, long delayNanos) {
    Context context = Vertx.currentContext();
    if (context == null || !context.isEventLoopContext()) {
      return system.schedule(task, delayNanos);
    }
    // Vert.x timers count whole milliseconds (at least one): round up so a timeout never fires early.
    long millis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(delayNanos + 999_999));
    Vertx vertx = context.owner();
    long id = vertx.setTimer(millis, t -> task.run());
    return () -> vertx.cancelTimer(id);
  }

  @Override
  public void sleep(long nanos) throws InterruptedException {
    system.sleep(nanos);
  }

  @Override
  public void execute(Runnable command) {
    Context context = Vertx.currentContext();
    if (context != null && context.isEventLoopContext()) {
      context.runOnContext(v -> command.run());
    } else {
      ForkJoinPool.commonPool().execute(command);
    }
  }
}
