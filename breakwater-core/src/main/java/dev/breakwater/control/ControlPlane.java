package dev.breakwater.control;

import dev.breakwater.Degradation;
import dev.breakwater.spi.ControlStore;
import dev.breakwater.time.Cancellable;
import dev.breakwater.time.TimeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The settings in force on this instance: the operators' (kept in a {@link ControlStore}, so a fleet shares them)
 * over the health rules' (local), over the defaults. The hot path reads one immutable snapshot from a volatile field:
 * no lock, no allocation. Any operator setting wins over any health rule's; within one source a narrower target wins
 * (route over upstream over global).
 *
 * <p>Store changes are applied in revision order, whatever order they arrive in (a write's own echo, a resync), so
 * every replica ends in the state the store holds. Settings with an expiry lapse on every replica by its own clock.
 * Each change of a target's effective value is told once to the listeners ({@link #addListener}).
 */
public final class ControlPlane implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ControlPlane.class);

  private final ControlStore store;
  private final TimeSource time;
  private final List<Consumer<ControlChange>> listeners = new CopyOnWriteArrayList<>();
  private final Object lock = new Object();
  // Guarded by lock: what the store said, the removals newer than it, the rules' settings, pending expiries.
  private final Map<ControlKey, ControlEntry> operator = new HashMap<>();
  private final Map<ControlKey, Long> removedAt = new HashMap<>();
  private final Map<ControlKey, ControlEntry> rules = new HashMap<>();
  private final Map<ControlKey, Cancellable> expiries = new HashMap<>();
  private long floor;
  private volatile Snapshot snapshot = Snapshot.EMPTY;
  private volatile Cancellable resyncTimer;
  private volatile boolean closed;

  /** A control plane over {@code store}; call {@link #start} to load and follow it. */
  public ControlPlane(ControlStore store, TimeSource time) {
    this.store = Objects.requireNonNull(store, "store");
    this.time = Objects.requireNonNull(time, "time");
  }

  /** A control plane over a fresh in-memory store, already started. */
  public static ControlPlane inMemory(TimeSource time) {
    ControlPlane p = new ControlPlane(new InMemoryControlStore(), time);
    p.start(null);
    return p;
  }

  /**
   * Subscribes to the store and loads what it holds; with {@code resyncEvery}, reloads it that often as a safety net
   * against changes a subscription missed. Completes when the first load is applied.
   */
  public CompletionStage<Void> start(Duration resyncEvery) {
    store.subscribe(new ControlStore.Listener() {
      @Override
      public void onPut(ControlEntry entry) {
        apply(entry);
      }

      @Override
      public void onRemove(ControlKey key, String by, long revision) {
        applyRemoval(key, by, revision);
      }

      @Override
      public void onResync(ControlStore.Snapshot s) {
        resync(s);
      }
    });
    if (resyncEvery != null) {
      scheduleResync(resyncEvery);
    }
    return store.readAll().thenAccept(this::resync);
  }

  private void scheduleResync(Duration every) {
    if (closed) {
      return;
    }
    resyncTimer = time.schedule(() -> store.readAll().whenComplete((s, e) -> {
      if (e != null) {
        LOG.warn("could not reload the control settings: {}", e.toString());
      } else {
        resync(s);
      }
      scheduleResync(every);
    }), every);
  }

  /** Tells {@code listener} of every change of a target's effective value; it must not block. */
  public void addListener(Consumer<ControlChange> listener) {
    listeners.add(listener);
  }

  /** Stops telling {@code listener}. */
  public void removeListener(Consumer<ControlChange> listener) {
    listeners.remove(listener);
  }

  // ---- operators --------------------------------------------------------------------------------------------------

  /**
   * Sets a control for the fleet, by {@code by} (an admin token's name), lapsing after {@code expiresIn} (null:
   * never); completes with the value in force here once the store has it.
   */
  public CompletionStage<EffectiveSetting> set(ControlKey key, Setting setting, String by, Duration expiresIn) {
    long now = time.epochMillis();
    ControlEntry entry = new ControlEntry(key, setting, by, now, expiresIn == null ? 0 : now + expiresIn.toMillis(), 0);
    return store.put(entry).thenApply(stored -> {
      apply(stored);
      return effective(key);
    });
  }

  /** Removes an operator's setting for the fleet, so health rules or the default apply again. */
  public CompletionStage<EffectiveSetting> clear(ControlKey key, String by) {
    return store.remove(key, by).thenApply(revision -> {
      applyRemoval(key, by, revision);
      return effective(key);
    });
  }

  // ---- health rules -----------------------------------------------------------------------------------------------

  /** A health rule named {@code rule} sets a control on this instance (an operator's setting still wins). */
  public void setByRule(ControlKey key, Setting setting, String rule) {
    synchronized (lock) {
      ControlEntry e = new ControlEntry(key, setting, rule, time.epochMillis(), 0, 0);
      ControlEntry old = rules.get(key);
      if (old != null && old.setting().equals(setting) && old.setBy().equals(rule)) {
        return;
      }
      changed(key, () -> rules.put(key, e), rule);
    }
  }

  /** The health rule named {@code rule} lets go of a control. */
  public void clearRule(ControlKey key, String rule) {
    synchronized (lock) {
      if (rules.containsKey(key)) {
        changed(key, () -> rules.remove(key), rule);
      }
    }
  }

  // ---- reading ----------------------------------------------------------------------------------------------------

  /** The value in force at exactly this key's target, and where it came from. */
  public EffectiveSetting effective(ControlKey key) {
    return snapshot.effective(key);
  }

  /**
   * Every control's global value, and every target's value that an operator or rule set, for the admin API: sorted
   * by control, then target.
   */
  public List<EffectiveSetting> effectiveAll() {
    Snapshot s = snapshot;
    java.util.TreeMap<String, EffectiveSetting> out = new java.util.TreeMap<>();
    for (ControlKind k : ControlKind.values()) {
      if (k.appliesTo(Target.global())) {
        ControlKey key = ControlKey.of(k, Target.global());
        out.put(sortKey(key), s.effective(key));
      }
    }
    for (ControlKey key : s.keys()) {
      out.put(sortKey(key), s.effective(key));
    }
    return new ArrayList<>(out.values());
  }

  private static String sortKey(ControlKey k) {
    return k.kind().ordinal() + "/" + k.target().scope().ordinal() + "/" + k.target().name();
  }

  /** The operator's entry at a key, or null: who set it and when. */
  public ControlEntry operatorEntry(ControlKey key) {
    synchronized (lock) {
      return operator.get(key);
    }
  }

  /** The degradation level for a call of {@code route} to {@code upstream} (either may be null). */
  public Degradation level(String route, String upstream) {
    Setting s = snapshot.resolve(ControlKind.DEGRADATION, route, upstream);
    return s == null ? Degradation.NORMAL : ((Setting.Level) s).level();
  }

  /** The state forced on {@code upstream}'s breakers, or null when nobody forces one. */
  public BreakerMode breaker(String upstream) {
    Setting s = snapshot.resolve(ControlKind.BREAKER, null, upstream);
    return s == null ? null : ((Setting.Breaker) s).mode();
  }

  /**
   * The arm of a call of {@code tenant} on {@code route} to {@code upstream}: pass-through when the kill switch is
   * off there or the tenant is outside the rollout share; resilient otherwise.
   */
  public Arm arm(String route, String upstream, String tenant) {
    Snapshot s = snapshot;
    if (!s.hasArms) {
      return Arm.RESILIENT;
    }
    Setting on = s.resolve(ControlKind.ENABLED, route, upstream);
    if (on != null && !((Setting.Enabled) on).on()) {
      return Arm.PASS_THROUGH;
    }
    Setting share = s.resolve(ControlKind.ROLLOUT, route, upstream);
    int percent = share == null ? 100 : ((Setting.Rollout) share).percent();
    return percent >= 100 || percent > 0 && TenantSlice.slot(tenant) < percent ? Arm.RESILIENT : Arm.PASS_THROUGH;
  }

  /** The endpoint group {@code tenant} was moved to, or null when nobody moved it (its shard is the configured one). */
  public String shard(String tenant) {
    Setting s = tenant == null ? null : snapshot.tenant(ControlKind.SHARD, tenant);
    return s == null ? null : ((Setting.Shard) s).group();
  }

  /** Stops the periodic resync and closes the store. */
  @Override
  public void close() {
    closed = true;
    Cancellable t = resyncTimer;
    if (t != null) {
      t.cancel();
    }
    synchronized (lock) {
      expiries.values().forEach(Cancellable::cancel);
      expiries.clear();
    }
    store.close();
  }

  // ---- applying the store's changes -------------------------------------------------------------------------------

  private void apply(ControlEntry e) {
    synchronized (lock) {
      ControlEntry current = operator.get(e.key());
      Long removed = removedAt.get(e.key());
      if (e.revision() <= floor || current != null && current.revision() >= e.revision()
          || removed != null && removed >= e.revision()) {
        return; // already applied, or older than what is
      }
      if (e.expired(time.epochMillis())) {
        return;
      }
      changed(e.key(), () -> {
        operator.put(e.key(), e);
        removedAt.remove(e.key());
        scheduleExpiry(e);
      }, e.setBy());
    }
  }

  private void applyRemoval(ControlKey key, String by, long revision) {
    synchronized (lock) {
      ControlEntry current = operator.get(key);
      if (revision <= floor || current != null && current.revision() > revision) {
        return;
      }
      removedAt.merge(key, revision, Math::max);
      if (current != null) {
        changed(key, () -> {
          operator.remove(key);
          cancelExpiry(key);
        }, by);
      }
    }
  }

  private void resync(ControlStore.Snapshot s) {
    synchronized (lock) {
      if (s.revision() < floor) {
        return; // an older snapshot than one applied already
      }
      Map<ControlKey, ControlEntry> next = new HashMap<>();
      long now = time.epochMillis();
      for (ControlEntry e : s.entries()) {
        if (!e.expired(now)) {
          next.put(e.key(), e);
        }
      }
      // Changes newer than the snapshot (heard while it was read) stay.
      operator.forEach((k, e) -> {
        if (e.revision() > s.revision()) {
          next.put(k, e);
        }
      });
      removedAt.forEach((k, r) -> {
        if (r > s.revision()) {
          next.remove(k);
        }
      });
      removedAt.values().removeIf(r -> r <= s.revision());
      floor = s.revision();
      java.util.Set<ControlKey> touched = new java.util.HashSet<>(operator.keySet());
      touched.addAll(next.keySet());
      for (ControlKey k : touched) {
        ControlEntry before = operator.get(k);
        ControlEntry after = next.get(k);
        if (Objects.equals(before, after)) {
          continue;
        }
        changed(k, () -> {
          if (after == null) {
            operator.remove(k);
            cancelExpiry(k);
          } else {
            operator.put(k, after);
            scheduleExpiry(after);
          }
        }, after != null ? after.setBy() : "resync");
      }
    }
  }

  private void scheduleExpiry(ControlEntry e) {
    cancelExpiry(e.key());
    if (e.expiresAtMillis() == 0) {
      return;
    }
    long delayMillis = Math.max(0, e.expiresAtMillis() - time.epochMillis());
    expiries.put(e.key(), time.schedule(() -> lapse(e), Duration.ofMillis(delayMillis)));
  }

  private void cancelExpiry(ControlKey key) {
    Cancellable c = expiries.remove(key);
    if (c != null) {
      c.cancel();
    }
  }

  private void lapse(ControlEntry e) {
    synchronized (lock) {
      if (operator.get(e.key()) == e) {
        expiries.remove(e.key());
        changed(e.key(), () -> operator.remove(e.key()), "expiry");
      }
    }
  }

  /** Applies {@code mutation} (under the lock), publishes the new snapshot and tells of the key's new value. */
  private void changed(ControlKey key, Runnable mutation, String by) {
    EffectiveSetting before = snapshot.effective(key);
    mutation.run();
    Snapshot next = new Snapshot(operator, rules);
    snapshot = next;
    EffectiveSetting after = next.effective(key);
    if (Objects.equals(before.setting(), after.setting()) && before.source() == after.source()) {
      return;
    }
    ControlChange change = new ControlChange(key, before.setting(), after.setting(), after.source(), by);
    for (Consumer<ControlChange> l : listeners) {
      try {
        l.accept(change);
      } catch (RuntimeException ex) {
        LOG.error("a control listener failed on {}", change, ex);
      }
    }
  }

  /** The settings of both sources, indexed for the per-call reads. */
  private static final class Snapshot {
    static final Snapshot EMPTY = new Snapshot(Map.of(), Map.of());

    private final Map<ControlKey, ControlEntry> operator;
    private final Map<ControlKey, ControlEntry> rules;
    private final Layer[] operatorLayers = new Layer[ControlKind.values().length];
    private final Layer[] ruleLayers = new Layer[ControlKind.values().length];
    final boolean hasArms;

    Snapshot(Map<ControlKey, ControlEntry> operator, Map<ControlKey, ControlEntry> rules) {
      this.operator = Map.copyOf(operator);
      this.rules = Map.copyOf(rules);
      index(this.operator, operatorLayers);
      index(this.rules, ruleLayers);
      boolean arms = false;
      for (ControlKey k : keys()) {
        arms |= k.kind() == ControlKind.ENABLED || k.kind() == ControlKind.ROLLOUT;
      }
      this.hasArms = arms;
    }

    private static void index(Map<ControlKey, ControlEntry> entries, Layer[] layers) {
      for (ControlEntry e : entries.values()) {
        int k = e.key().kind().ordinal();
        if (layers[k] == null) {
          layers[k] = new Layer();
        }
        layers[k].put(e.key().target(), e.setting());
      }
    }

    java.util.Set<ControlKey> keys() {
      java.util.Set<ControlKey> all = new java.util.HashSet<>(operator.keySet());
      all.addAll(rules.keySet());
      return all;
    }

    Setting tenant(ControlKind kind, String tenant) {
      Layer op = operatorLayers[kind.ordinal()];
      Setting s = op == null ? null : op.tenant(tenant);
      if (s == null) {
        Layer rule = ruleLayers[kind.ordinal()];
        s = rule == null ? null : rule.tenant(tenant);
      }
      return s;
    }

    Setting resolve(ControlKind kind, String route, String upstream) {
      Layer op = operatorLayers[kind.ordinal()];
      Setting s = op == null ? null : op.resolve(route, upstream);
      if (s == null) {
        Layer rule = ruleLayers[kind.ordinal()];
        s = rule == null ? null : rule.resolve(route, upstream);
      }
      return s;
    }

    EffectiveSetting effective(ControlKey key) {
      ControlEntry e = operator.get(key);
      if (e != null) {
        return new EffectiveSetting(key, e.setting(), ControlSource.OPERATOR, e.setBy(), e.expiresAtMillis());
      }
      e = rules.get(key);
      if (e != null) {
        return new EffectiveSetting(key, e.setting(), ControlSource.HEALTH_RULE, e.setBy(), 0);
      }
      return new EffectiveSetting(key, key.kind().defaultSetting(), ControlSource.DEFAULT, null, 0);
    }
  }

  /** One source's settings of one control, by target. */
  private static final class Layer {
    private Setting global;
    private final Map<String, Setting> upstreams = new HashMap<>();
    private final Map<String, Setting> routes = new HashMap<>();
    private final Map<String, Setting> tenants = new HashMap<>();

    void put(Target t, Setting s) {
      switch (t.scope()) {
        case GLOBAL:
          global = s;
          break;
        case UPSTREAM:
          upstreams.put(t.name(), s);
          break;
        case TENANT:
          tenants.put(t.name(), s);
          break;
        default:
          routes.put(t.name(), s);
      }
    }

    Setting tenant(String tenant) {
      return tenants.isEmpty() ? null : tenants.get(tenant);
    }

    Setting resolve(String route, String upstream) {
      Setting s = route == null || routes.isEmpty() ? null : routes.get(route);
      if (s == null && upstream != null && !upstreams.isEmpty()) {
        s = upstreams.get(upstream);
      }
      return s != null ? s : global;
    }
  }
}
