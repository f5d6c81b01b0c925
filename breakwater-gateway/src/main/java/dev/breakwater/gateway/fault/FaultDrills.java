package dev.breakwater.gateway.fault;

import dev.breakwater.time.TimeSource;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The drills in force on this gateway: those of the config file (armed at each load) and those operators started.
 * The request path reads an immutable snapshot (no lock; with no drill, an empty array and nothing else); a drill
 * past its expiry hits nothing from that instant, and {@link #expire()} drops it and logs its end. Starting and
 * ending a drill is one info line each.
 */
public final class FaultDrills {
  private static final Logger LOG = LoggerFactory.getLogger(FaultDrills.class);
  private static final Fault[] NONE = {};

  private final TimeSource time;
  private final DoubleSupplier random;
  private final Map<String, Fault> drills = new LinkedHashMap<>(); // guarded by this
  private volatile Fault[] snapshot = NONE;

  /** Drills on {@code time}'s clock, each attempt drawn with a fresh random number. */
  public FaultDrills(TimeSource time) {
    this(time, () -> ThreadLocalRandom.current().nextDouble());
  }

  /** Drills on {@code time}'s clock drawing from {@code random}, numbers in [0, 1) (a fixed sequence in tests). */
  public FaultDrills(TimeSource time, DoubleSupplier random) {
    this.time = time;
    this.random = random;
  }

  /**
   * Arms the config file's faults (name to fault) in place of the previous file's: a fault the new file keeps
   * unchanged keeps its expiry, so that a reload does not extend a forgotten drill.
   */
  public synchronized void configure(Map<String, FaultSpec> fromConfig) {
    long now = time.epochMillis();
    Map<String, Fault> previous = new LinkedHashMap<>();
    for (Fault f : List.copyOf(drills.values())) {
      if (f.origin() == Fault.Origin.CONFIG) {
        previous.put(f.id(), drills.remove(f.id()));
      }
    }
    for (Map.Entry<String, FaultSpec> e : fromConfig.entrySet()) {
      Fault before = previous.remove(e.getKey());
      if (before != null && before.spec().equals(e.getValue())) {
        drills.put(before.id(), before);
      } else {
        started(Fault.starting(e.getKey(), e.getValue(), Fault.Origin.CONFIG, now));
      }
    }
    previous.values().forEach(f -> ended(f, "removed from the config file"));
    publish();
  }

  /** Starts an operator's drill now; returns it with its new id. */
  public synchronized Fault start(FaultSpec spec) {
    byte[] id = new byte[6];
    ThreadLocalRandom.current().nextBytes(id);
    Fault f = Fault.starting("drill-" + HexFormat.of().formatHex(id), spec, Fault.Origin.OPERATOR,
        time.epochMillis());
    started(f);
    publish();
    return f;
  }

  /** Ends a drill before its expiry; false when no drill has that id. */
  public synchronized boolean end(String id) {
    Fault f = drills.get(id);
    if (f == null || f.expired(time.epochMillis())) {
      return false;
    }
    ended(f, "ended by an operator");
    publish();
    return true;
  }

  /** Drops the drills past their expiry, logging each end once. */
  public synchronized void expire() {
    long now = time.epochMillis();
    List<Fault> gone = drills.values().stream().filter(f -> f.expired(now)).toList();
    gone.forEach(f -> ended(f, "expired"));
    if (!gone.isEmpty()) {
      publish();
    }
  }

  /** The drills in force, in the order they started. */
  public List<Fault> active() {
    expire();
    return List.of(snapshot);
  }

  /**
   * The drills that may hit a call on {@code route} to {@code upstream} by {@code tenant} with these request headers:
   * empty (the same array every time) when none may.
   */
  public Fault[] candidates(String route, String upstream, String tenant, Function<String, String> headers) {
    Fault[] all = snapshot;
    if (all.length == 0) {
      return NONE;
    }
    long now = time.epochMillis();
    List<Fault> out = null;
    for (Fault f : all) {
      if (!f.expired(now) && f.spec().selects(route, upstream, tenant, headers)) {
        (out == null ? out = new ArrayList<>(2) : out).add(f);
      }
    }
    return out == null ? NONE : out.toArray(NONE);
  }

  /**
   * The drill that hits this attempt, or null: each candidate still in force draws its percent in turn, and the
   * first hit wins. Drawn per attempt, as an upstream failing that share of its calls would: a retry may get through.
   */
  public Fault draw(Fault[] candidates) {
    long now = time.epochMillis();
    for (Fault f : candidates) {
      if (!f.expired(now) && random.getAsDouble() * 100 < f.spec().percent()) {
        return f;
      }
    }
    return null;
  }

  private void started(Fault f) {
    drills.put(f.id(), f);
    LOG.info("fault drill {} started ({}): {} for {}", f.id(), f.origin().name().toLowerCase(java.util.Locale.ROOT),
        f.spec().describe(), dev.breakwater.config.Durations.format(f.spec().duration()));
  }

  private void ended(Fault f, String why) {
    drills.remove(f.id());
    LOG.info("fault drill {} {}: {}", f.id(), why, f.spec().describe());
  }

  private void publish() {
    snapshot = drills.values().toArray(NONE);
  }
}
