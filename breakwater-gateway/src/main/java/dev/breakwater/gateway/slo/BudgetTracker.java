package dev.breakwater.gateway.slo;

import dev.breakwater.CallContext;
import dev.breakwater.ErrorCode;
import dev.breakwater.Pipeline;
import dev.breakwater.Source;
import dev.breakwater.event.BreakwaterListener;
import dev.breakwater.event.Interest;
import dev.breakwater.gateway.config.GatewayConfig;
import dev.breakwater.gateway.config.SloConfig;
import dev.breakwater.time.TimeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Error budgets at run time: per objective and SLI of a config's {@code slos}, this replica's good and bad calls
 * (by {@link BudgetOutcomes}; for latency, calls slower than the threshold) and the burn rates over the windows of
 * the generated alerts. A listener of the gateway's engine; it outlives reloads and keeps the counts of every SLI
 * whose objective did not change.
 */
public final class BudgetTracker implements BreakwaterListener {
  /** The burn-rate windows, those of the generated rules. */
  public static final List<String> WINDOWS = SloRules.WINDOWS;

  private final TimeSource time;
  // Replaced whole on reload: calls read it once, lock-free.
  private volatile State state = new State(Map.of(), List.of());
  private final List<Runnable> onConfigured = new java.util.concurrent.CopyOnWriteArrayList<>();

  /** A tracker reading the time from {@code time}, with no objectives until {@link #configure}. */
  public BudgetTracker(TimeSource time) {
    this.time = Objects.requireNonNull(time, "time");
  }

  /** Takes the objectives of {@code config}; an SLI whose objective is unchanged keeps its counts. */
  public synchronized void configure(GatewayConfig config) {
    Map<String, BudgetSli> old = new HashMap<>();
    for (Group g : state.groups) {
      for (BudgetSli s : g.slis) {
        old.put(g.config.name() + '\0' + s.sli, s);
      }
    }
    Map<String, List<BudgetSli>> byRoute = new HashMap<>();
    List<Group> groups = new ArrayList<>();
    for (SloConfig slo : config.slos().values()) {
      List<BudgetSli> slis = new ArrayList<>();
      slo.availabilityPercent().ifPresent(p -> slis.add(keep(old, slo, new BudgetSli("availability", p / 100, -1))));
      slo.latencyObjective().ifPresent(l -> slis.add(keep(old, slo, new BudgetSli("latency", l.percent() / 100,
          l.threshold().toNanos()))));
      groups.add(new Group(slo, List.copyOf(slis)));
      for (String route : slo.routes()) {
        byRoute.computeIfAbsent(route, k -> new ArrayList<>()).addAll(slis);
      }
    }
    Map<String, BudgetSli[]> routes = new HashMap<>();
    byRoute.forEach((r, l) -> routes.put(r, l.toArray(BudgetSli[]::new)));
    state = new State(routes, List.copyOf(groups));
    onConfigured.forEach(Runnable::run);
  }

  /** Runs {@code action} after every {@link #configure} (to publish the objectives in force), and once now. */
  public void onConfigured(Runnable action) {
    onConfigured.add(action);
    action.run();
  }

  private static BudgetSli keep(Map<String, BudgetSli> old, SloConfig slo, BudgetSli fresh) {
    BudgetSli prev = old.get(slo.name() + '\0' + fresh.sli);
    return prev != null && prev.objective == fresh.objective && prev.thresholdNanos == fresh.thresholdNanos
        ? prev : fresh;
  }

  @Override
  public Set<Interest> interests() {
    return Set.of(Interest.CALLS);
  }

  @Override
  public void onCallCompleted(Pipeline<?> pipeline, CallContext ctx, ErrorCode code, Source source,
      long durationNanos) {
    BudgetSli[] slis = state.routes.get(pipeline.name());
    if (slis == null || (code != null && !BudgetOutcomes.isBad(code))) {
      return; // no objective covers the route, or the caller caused the refusal: left out of the ratio
    }
    long now = time.epochMillis();
    for (BudgetSli s : slis) {
      s.record(now, code != null, durationNanos);
    }
  }

  /** Every objective's state now: per SLI its objective, per window the error ratio and burn rate, the budget left. */
  public List<Slo> status() {
    long now = time.epochMillis();
    List<Slo> out = new ArrayList<>();
    for (Group g : state.groups) {
      List<Sli> slis = new ArrayList<>();
      for (BudgetSli s : g.slis) {
        Map<String, Window> windows = new LinkedHashMap<>();
        for (String w : WINDOWS) {
          Duration d = window(w);
          windows.put(w, new Window(s.errorRatio(now, d), s.burnRate(now, d)));
        }
        slis.add(new Sli(s.sli, s.objective, s.thresholdNanos < 0 ? null : Duration.ofNanos(s.thresholdNanos),
            s.budgetRemaining(now, g.config.window()), windows));
      }
      out.add(new Slo(g.config.name(), g.config.window(), List.copyOf(slis)));
    }
    return List.copyOf(out);
  }

  /** The burn rate of an objective's SLI over a window of {@link #WINDOWS}; NaN when there is no such SLI. */
  public double burnRate(String slo, String sli, String window) {
    BudgetSli s = find(slo, sli);
    return s == null ? Double.NaN : s.burnRate(time.epochMillis(), window(window));
  }

  /** The share of an objective's window budget left (negative when overspent); NaN when there is no such SLI. */
  public double budgetRemaining(String slo, String sli) {
    for (Group g : state.groups) {
      if (g.config.name().equals(slo)) {
        for (BudgetSli s : g.slis) {
          if (s.sli.equals(sli)) {
            return s.budgetRemaining(time.epochMillis(), g.config.window());
          }
        }
      }
    }
    return Double.NaN;
  }

  private BudgetSli find(String slo, String sli) {
    for (Group g : state.groups) {
      if (g.config.name().equals(slo)) {
        for (BudgetSli s : g.slis) {
          if (s.sli.equals(sli)) {
            return s;
          }
        }
      }
    }
    return null;
  }

  /** A window name of {@link #WINDOWS} ({@code 5m}, {@code 1h}, {@code 3d}) as a duration. */
  static Duration window(String w) {
    long n = Long.parseLong(w.substring(0, w.length() - 1));
    return switch (w.charAt(w.length() - 1)) {
      case 'm' -> Duration.ofMinutes(n);
      case 'h' -> Duration.ofHours(n);
      case 'd' -> Duration.ofDays(n);
      default -> throw new IllegalArgumentException("window: " + w + " (expected: minutes, hours or days)");
    };
  }

  private record Group(SloConfig config, List<BudgetSli> slis) {}

  private record State(Map<String, BudgetSli[]> routes, List<Group> groups) {}

  /** One objective's state: its name, SLO window and SLIs. */
  public record Slo(String name, Duration window, List<Sli> slis) {}

  /**
   * One SLI's state.
   *
   * @param sli             {@code availability} or {@code latency}
   * @param objective       the share of counted calls that must be good, in (0, 1)
   * @param threshold       the latency threshold, null for availability
   * @param budgetRemaining the share of the SLO window's budget left, negative when overspent
   * @param windows         per window of {@link #WINDOWS}, the error ratio and burn rate
   */
  public record Sli(String sli, double objective, Duration threshold, double budgetRemaining,
      Map<String, Window> windows) {}

  /** An error ratio over a window and the burn rate it makes (the ratio over the error budget). */
  public record Window(double errorRatio, double burnRate) {}
}
