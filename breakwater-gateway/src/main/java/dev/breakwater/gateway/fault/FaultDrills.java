package dev.breakwater.gateway.fault;

import dev.breakwater.control.ControlChange;
import dev.breakwater.control.ControlEntry;
import dev.breakwater.control.ControlKey;
import dev.breakwater.control.ControlKind;
import dev.breakwater.control.ControlPlane;
import dev.breakwater.control.EffectiveSetting;
import dev.breakwater.control.Setting;
import dev.breakwater.fault.FaultSpec;
import dev.breakwater.time.TimeSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The drills in force on this gateway: the config file's (armed at each load, local) and the operators' (kept in the
 * control plane, so with a shared store every replica runs them; one per route and one per upstream, a new one
 * replacing the old). The request path reads an immutable snapshot (no lock; with no drill, an empty array and
 * nothing else); a drill past its expiry hits nothing from that instant, and {@link #expire()} drops it. Starting and
 * ending a drill is one info line each, on every replica.
 */
public final class FaultDrills {
  private static final Logger LOG = LoggerFactory.getLogger(FaultDrills.class);
  private static final Fault[] NONE = {};

  private final TimeSource time;
  private final DoubleSupplier random;
  private final Map<String, Fault> drills = new LinkedHashMap<>(); // guarded by this
  private volatile Fault[] snapshot = NONE;
  private volatile ControlPlane control;

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
   * Runs the operators' drills that {@code plane} holds, now and as they change (with a shared store, those set on
   * any replica); {@link #start} and {@link #end} go through it.
   */
  public void follow(ControlPlane plane) {
    this.control = plane;
    plane.addListener(this::onControlChange);
    for (EffectiveSetting s : plane.effectiveAll()) {
      if (s.key().kind() == ControlKind.FAULT) {
        refresh(s.key(), plane.operatorEntry(s.key()), null);
      }
    }
  }

  private void onControlChange(ControlChange change) {
    // Called under the control plane's lock: the entry is read there, then this holder's lock is taken (never the
    // other way round).
    if (change.key().kind() == ControlKind.FAULT) {
      refresh(change.key(), control.operatorEntry(change.key()), change.by());
    }
  }

  private synchronized void refresh(ControlKey key, ControlEntry e, String by) {
    refreshed(key, e, by);
    publish();
  }

  private void refreshed(ControlKey key, ControlEntry e, String by) {
    String id = key.target().toString();
    Fault before = drills.get(id);
    if (e == null || !(e.setting() instanceof Setting.Fault f)) {
      if (before != null) {
        ended(before, "expiry".equals(by) ? "expired" : "ended by " + by);
      }
      return;
    }
    Fault now = new Fault(id, f.spec(), Fault.Origin.OPERATOR, e.setAtMillis(), e.expiresAtMillis());
    if (!now.equals(before)) {
      started(now, e.setBy());
    }
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
        started(Fault.starting(e.getKey(), e.getValue(), Fault.Origin.CONFIG, now), "the config file");
      }
    }
    previous.values().forEach(f -> LOG.info("fault drill {} removed from the config file: {}", f.id(),
        f.spec().describe()));
    publish();
  }

  /**
   * Starts an operator's drill for the fleet, set by {@code by} (an admin token's name), replacing the one on the same
   * route or upstream; completes with the drill once the control store has it.
   */
  public CompletionStage<Fault> start(FaultSpec spec, String by) {
    ControlKey key = Setting.Fault.keyOf(spec);
    return plane().set(key, new Setting.Fault(spec), by, spec.duration()).thenApply(effective -> {
      ControlEntry e = plane().operatorEntry(key);
      return new Fault(key.target().toString(), spec, Fault.Origin.OPERATOR,
          e == null ? time.epochMillis() : e.setAtMillis(), effective.expiresAtMillis());
    });
  }

  /**
   * Ends an operator's drill for the fleet, by {@code by}; completes with false when no operator drill has that id
   * ({@code route:NAME} or {@code upstream:NAME}).
   */
  public CompletionStage<Boolean> end(String id, String by) {
    Fault f;
    synchronized (this) {
      f = drills.get(id);
    }
    if (f == null || f.origin() != Fault.Origin.OPERATOR || f.expired(time.epochMillis())) {
      return CompletableFuture.completedFuture(false);
    }
    return plane().clear(Setting.Fault.keyOf(f.spec()), by).thenApply(x -> true);
  }

  private ControlPlane plane() {
    ControlPlane p = control;
    if (p == null) {
      throw new IllegalStateException("no control plane to keep operators' drills in: call follow first");
    }
    return p;
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

  /** Whether any drill is in force (or past its expiry and not yet dropped): one volatile read. */
  public boolean armed() {
    return snapshot.length > 0;
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

  private void started(Fault f, String by) {
    drills.remove(f.id()); // a replaced drill moves to the end: the order is the order they started
    drills.put(f.id(), f);
    LOG.info("fault drill {} started by {} ({}): {} until {}", f.id(), by,
        f.origin().name().toLowerCase(Locale.ROOT), f.spec().describe(),
        java.time.Instant.ofEpochMilli(f.expiresAtMillis()));
  }

  private void ended(Fault f, String why) {
    if (drills.remove(f.id()) != null) {
      LOG.info("fault drill {} {}: {}", f.id(), why, f.spec().describe());
    }
  }

  private void publish() {
    snapshot = drills.values().toArray(NONE);
  }
}
