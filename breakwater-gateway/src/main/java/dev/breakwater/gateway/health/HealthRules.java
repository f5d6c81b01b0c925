package dev.breakwater.gateway.health;

import dev.breakwater.Degradation;
import dev.breakwater.control.ControlKey;
import dev.breakwater.control.ControlKind;
import dev.breakwater.control.ControlPlane;
import dev.breakwater.control.Setting;
import dev.breakwater.control.Target;
import dev.breakwater.gateway.config.HealthConfig;
import dev.breakwater.gateway.config.HealthConfig.Rule;
import dev.breakwater.gateway.http.JsonText;
import dev.breakwater.time.Cancellable;
import dev.breakwater.time.TimeSource;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Evaluates the health rules on a timer: each rule enters when its signal crosses its enter threshold (or comes on)
 * and exits when it is back at or below its exit threshold (or off), and never switches before it has held its state
 * for {@code minDwell} — so a level never flaps. Where several entered rules set a level at one target, the most
 * severe wins. The levels go to the control plane as the health rules' source on this replica only: every replica
 * reads the same shared signals (the upstream's behaviour, the store) and reaches the same level, and an operator's
 * setting wins over them all. Each transition is logged once and, with a webhook, POSTed as JSON.
 */
public final class HealthRules implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger("dev.breakwater.health");

  private final ControlPlane control;
  private final HealthSignals signals;
  private final TimeSource time;
  private final Consumer<String> webhook;
  private final java.util.concurrent.Executor executor;
  private final Object lock = new Object();
  private HealthConfig config = HealthConfig.NONE;
  private Map<String, RuleState> states = new LinkedHashMap<>();
  private Set<ControlKey> keys = Set.of();
  private Cancellable timer = Cancellable.NONE;
  private boolean closed;

  /**
   * Rules over {@code signals}, writing to {@code control}, told to {@code webhook} (a JSON body; may be null); each
   * evaluation runs on {@code executor}, never on the clock's timer thread.
   */
  public HealthRules(ControlPlane control, HealthSignals signals, TimeSource time, Consumer<String> webhook,
      java.util.concurrent.Executor executor) {
    this.control = control;
    this.signals = signals;
    this.time = time;
    this.webhook = webhook;
    this.executor = executor;
  }

  /**
   * Takes the rules of a (re)loaded config: a rule whose definition did not change keeps its state; the levels of
   * rules that are gone are let go at once. Starts the timer on the first call.
   */
  public void configure(HealthConfig next) {
    synchronized (lock) {
      Map<String, RuleState> kept = new LinkedHashMap<>();
      for (Rule r : next.rules()) {
        RuleState old = states.get(r.name());
        kept.put(r.name(), old != null && old.rule.equals(r) ? old : new RuleState(r));
      }
      config = next;
      states = kept;
      apply();
      if (timer == Cancellable.NONE) {
        schedule(); // the running timer picks up a changed period at its next turn
      }
    }
  }

  private void schedule() {
    if (closed || config.rules().isEmpty()) {
      timer = Cancellable.NONE;
      return;
    }
    timer = time.schedule(() -> executor.execute(() -> {
      try {
        evaluate();
      } catch (RuntimeException e) {
        LOG.error("health rules could not be evaluated", e);
      }
      synchronized (lock) {
        schedule();
      }
    }), config.evaluateEvery());
  }

  /** One pass: reads every rule's signal, switches the rules whose conditions held, and writes the levels. */
  public void evaluate() {
    synchronized (lock) {
      long now = time.nanoTime();
      for (RuleState s : states.values()) {
        double value = read(s.rule);
        s.lastValue = value;
        boolean enter = s.rule.signal().measured() ? value >= s.rule.enter() : value > 0;
        boolean exit = s.rule.signal().measured() ? Double.isNaN(value) || value <= s.rule.exit() : value <= 0;
        boolean dwelt = now - s.since >= s.rule.minDwell().toNanos();
        if (!s.active && enter && (dwelt || s.never)) {
          switchTo(s, true, now, value);
        } else if (s.active && exit && dwelt) {
          switchTo(s, false, now, value);
        }
      }
      apply();
    }
  }

  private double read(Rule r) {
    switch (r.signal()) {
      case BREAKER_OPEN:
        return signals.breakerOpen(r.upstream()) ? 1 : 0;
      case STATE_STORE_UNREACHABLE:
        return signals.stateStoreUnreachable() ? 1 : 0;
      case ERROR_RATE:
        return signals.errorRate(r.upstream(), r.window(), r.minCalls());
      case SLOW_CALLS:
        return signals.slowCallRate(r.upstream(), r.slowerThan(), r.window(), r.minCalls());
      case ENDPOINTS_DOWN:
        return signals.endpointsDown(r.upstream());
      default:
        return signals.burnRate(r.slo(), r.sli(), dev.breakwater.config.Durations.format(r.window()));
    }
  }

  private void switchTo(RuleState s, boolean active, long now, double value) {
    s.active = active;
    s.since = now;
    s.never = false;
    // An entered rule whose level is not what its target gets is held off by an operator's setting.
    apply();
    boolean heldOff = active && levelAt(s.rule.target()) != s.rule.level();
    String transition = active ? "entered" : "exited";
    LOG.atWarn().addKeyValue("rule", s.rule.name()).addKeyValue("signal", s.rule.signal().yamlName())
        .addKeyValue("value", value).addKeyValue("level", s.rule.level()).addKeyValue("target", s.rule.target())
        .addKeyValue("operator_holds", heldOff).log("health rule " + transition);
    if (webhook != null) {
      webhook.accept("{\"rule\":" + JsonText.quote(s.rule.name()) + ",\"transition\":\"" + transition + "\""
          + ",\"signal\":\"" + s.rule.signal().yamlName() + "\",\"value\":" + (Double.isNaN(value) ? "null" : value)
          + ",\"level\":\"" + s.rule.level() + "\",\"target\":" + JsonText.quote(s.rule.target().toString())
          + ",\"operator_holds\":" + heldOff + ",\"at\":\"" + Instant.ofEpochMilli(time.epochMillis()) + "\"}");
    }
  }

  private Degradation levelAt(Target t) {
    switch (t.scope()) {
      case GLOBAL:
        return control.level(null, null);
      case UPSTREAM:
        return control.level(null, t.name());
      default:
        return control.level(t.name(), null);
    }
  }

  /** Writes, per target, the most severe level of the entered rules, and lets go of targets no rule holds. */
  private void apply() {
    Map<ControlKey, RuleState> winners = new HashMap<>();
    Set<ControlKey> touched = new LinkedHashSet<>(keys);
    for (RuleState s : states.values()) {
      ControlKey key = ControlKey.of(ControlKind.DEGRADATION, s.rule.target());
      touched.add(key);
      RuleState w = winners.get(key);
      if (s.active && (w == null || s.rule.level().compareTo(w.rule.level()) > 0)) {
        winners.put(key, s);
      }
    }
    for (ControlKey key : touched) {
      RuleState w = winners.get(key);
      if (w != null) {
        control.setByRule(key, new Setting.Level(w.rule.level()), w.rule.name());
      } else {
        control.clearRule(key, lastToLetGo(key));
      }
    }
    keys = touched;
  }

  private String lastToLetGo(ControlKey key) {
    for (RuleState s : states.values()) {
      if (ControlKey.of(ControlKind.DEGRADATION, s.rule.target()).equals(key)) {
        return s.rule.name();
      }
    }
    return "removed rule";
  }

  /** Each rule's state, for tests and operators: entered or not, and the last value read. */
  public List<String> describe() {
    synchronized (lock) {
      List<String> out = new ArrayList<>();
      states.values().forEach(s -> out.add(s.rule.name() + (s.active ? " entered" : " exited") + " at " + s.lastValue));
      return out;
    }
  }

  /** Stops evaluating; the levels the rules set stay until the plane is closed. */
  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
      timer.cancel();
    }
  }

  /** A rule and where it stands. */
  private static final class RuleState {
    final Rule rule;
    boolean active;
    boolean never = true;
    long since;
    double lastValue = Double.NaN;

    RuleState(Rule rule) {
      this.rule = rule;
    }
  }
}
