package dev.breakwater.gateway.internal;

/** How many event loops the gateway serves on: one per core, each with a listener and upstream clients of its own. */
public final class EventLoops {
  /** The number of event loops (and proxy listeners). */
  public static final int COUNT = Math.max(1, java.lang.Runtime.getRuntime().availableProcessors());

  private EventLoops() {}
}
