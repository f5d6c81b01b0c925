package dev.breakwater.gateway.upstream.balance;

import dev.breakwater.gateway.config.EndpointGroupConfig;
import dev.breakwater.gateway.config.FailbackConfig;
import dev.breakwater.gateway.config.HealthCheckConfig;
import dev.breakwater.gateway.config.OutlierDetectionConfig;
import dev.breakwater.gateway.config.UpstreamConfig;
import dev.breakwater.time.TimeSource;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Chooses the endpoint of an upstream that takes a call. An endpoint is available while active checks count it
 * healthy and outlier detection has not ejected it. Calls go round robin over the available endpoints of the group in
 * use; when that group has none left, the group in use becomes the first available one (a failover). A
 * higher-priority group that recovers takes calls back in steps ({@link FailbackConfig}), each step kept only while
 * its verification window's error rate stays low.
 *
 * <p>Endpoints are numbered 0..n-1, group by group in priority order. {@link #pick} and {@link #record} run on every
 * call from any thread and take no lock unless an endpoint changes state; checks and {@link #tick} (time-driven steps:
 * ejections ending, verification windows closing) come from one timer. Every transition happens under this object's
 * lock and is reported to the listener there.
 */
public final class EndpointSelector {
  private final String upstream;
  private final TimeSource time;
  private final Consumer<EndpointEvent> events;
  private final HealthCheckConfig checks;
  private final OutlierDetectionConfig outliers;
  private final FailbackConfig failback;
  private final Endpoint[] endpoints;
  /** With sharding, each tenant's group; null when the groups are failover regions. */
  private final TenantShards shards;
  private final String[] groupNames;
  private final int[][] members;
  private final AtomicInteger[] rotation;
  /** Counts calls for the failback split: a smooth, exact share rather than a random one. */
  private final AtomicLong split = new AtomicLong();
  private final AtomicLong windowCalls = new AtomicLong();
  private final AtomicLong windowErrors = new AtomicLong();
  private volatile int active;
  private volatile int candidate = -1;
  private volatile int step = -1;
  private long stepStarted;

  /** One endpoint's state; the counters of checks are guarded by the selector's lock. */
  private static final class Endpoint {
    final URI uri;
    final int group;
    final AtomicInteger failuresInARow = new AtomicInteger();
    volatile boolean healthy = true;
    volatile boolean ejected;
    volatile long ejectedUntil;
    int passes;
    int fails;
    int ejections;
    long lastEjectionEnded;

    Endpoint(URI uri, int group) {
      this.uri = uri;
      this.group = group;
    }
  }

  /** A selector over {@code u}'s groups, all endpoints healthy and the first group in use; steps go to {@code events}. */
  public EndpointSelector(UpstreamConfig u, TimeSource time, Consumer<EndpointEvent> events) {
    this.upstream = u.name();
    this.time = time;
    this.events = events;
    this.checks = u.healthCheck();
    this.outliers = u.outlierDetection();
    this.failback = u.failback();
    List<EndpointGroupConfig> groups = u.groups();
    List<Endpoint> all = new ArrayList<>();
    groupNames = new String[groups.size()];
    members = new int[groups.size()][];
    rotation = new AtomicInteger[groups.size()];
    for (int g = 0; g < groups.size(); g++) {
      groupNames[g] = groups.get(g).name();
      members[g] = new int[groups.get(g).endpoints().size()];
      rotation[g] = new AtomicInteger();
      for (int k = 0; k < members[g].length; k++) {
        members[g][k] = all.size();
        all.add(new Endpoint(groups.get(g).endpoints().get(k), g));
      }
    }
    endpoints = all.toArray(Endpoint[]::new);
    shards = u.sharding() == null ? null
        : new TenantShards(List.of(groupNames), u.sharding().tenants());
  }

  /** The shard (group index) of {@code tenant}, or -1 when the upstream is not sharded. */
  public int shardOf(String tenant) {
    return shardOf(tenant, null);
  }

  /**
   * The shard (group index) of {@code tenant}: the group an operator moved it to ({@code movedTo}) when this upstream
   * has a group of that name, else its configured or hashed one; -1 when the upstream is not sharded.
   */
  public int shardOf(String tenant, String movedTo) {
    if (shards == null) {
      return -1;
    }
    if (movedTo != null) {
      for (int g = 0; g < groupNames.length; g++) {
        if (groupNames[g].equals(movedTo)) {
          return g;
        }
      }
    }
    return shards.shardOf(tenant);
  }

  /** How many endpoints there are (numbered 0..n-1 for {@link #pick}, {@link #record} and {@link #uri}). */
  public int size() {
    return endpoints.length;
  }

  /** The base URL of endpoint {@code i}. */
  public URI uri(int i) {
    return endpoints[i].uri;
  }

  /**
   * The endpoint for a call's next try, or -1 when none is left. {@code tried} has bit i set for each endpoint this
   * call already tried: the group the call is routed to first (by the failback split), then the other groups in
   * priority order, available endpoints only. When no endpoint at all is available the untried ones are tried anyway
   * in priority order: a guess beats certain failure.
   */
  public int pick(long tried) {
    return pick(tried, -1);
  }

  /**
   * As {@link #pick(long)}, but for a sharded upstream's call to {@code shard} (-1: not sharded): only that group's
   * endpoints hold the tenant's data, so the call never leaves it — available endpoints first, then the others.
   */
  public int pick(long tried, int shard) {
    if (shard >= 0) {
      int i = pickIn(shard, tried, true);
      return i >= 0 || groupAvailable(shard) ? i : pickIn(shard, tried, false);
    }
    int first = routedGroup();
    int i = pickIn(first, tried, true);
    for (int g = 0; i < 0 && g < members.length; g++) {
      if (g != first) {
        i = pickIn(g, tried, true);
      }
    }
    if (i >= 0 || anyAvailable()) {
      return i;
    }
    for (int g = 0; i < 0 && g < members.length; g++) {
      i = pickIn(g, tried, false);
    }
    return i;
  }

  private int routedGroup() {
    int c = candidate;
    int s = step;
    if (c < 0 || s < 0) {
      return active;
    }
    long pct = failback.steps().get(s);
    long n = split.getAndIncrement();
    // Call n goes to the recovering group when the running share floor(n * pct / 100) steps up: pct of every 100.
    return (n + 1) * pct / 100 > n * pct / 100 ? c : active;
  }

  private int pickIn(int g, long tried, boolean availableOnly) {
    int[] m = members[g];
    int start = Math.floorMod(rotation[g].getAndIncrement(), m.length);
    for (int k = 0; k < m.length; k++) {
      int i = m[(start + k) % m.length];
      if ((tried & (1L << i)) == 0 && (!availableOnly || available(endpoints[i]))) {
        return i;
      }
    }
    return -1;
  }

  private static boolean available(Endpoint e) {
    return e.healthy && !e.ejected;
  }

  private boolean anyAvailable() {
    for (Endpoint e : endpoints) {
      if (available(e)) {
        return true;
      }
    }
    return false;
  }

  private boolean groupAvailable(int g) {
    for (int i : members[g]) {
      if (available(endpoints[i])) {
        return true;
      }
    }
    return false;
  }

  /** Counts how a call to endpoint {@code i} went: for outlier detection, and for the failback step in progress. */
  public void record(int i, Outcome outcome) {
    Endpoint e = endpoints[i];
    if (e.group == candidate) {
      windowCalls.incrementAndGet();
      if (outcome != Outcome.SUCCESS) {
        windowErrors.incrementAndGet();
      }
    }
    if (outcome == Outcome.SUCCESS) {
      if (e.failuresInARow.get() != 0) {
        e.failuresInARow.set(0);
      }
      return;
    }
    if (outliers.enabled() && e.failuresInARow.incrementAndGet() >= outliers.consecutiveFailures()) {
      synchronized (this) {
        if (!e.ejected && e.failuresInARow.get() >= outliers.consecutiveFailures()) {
          eject(e);
          reevaluate();
        }
      }
    }
  }

  /** Counts one active health check of endpoint {@code i}. */
  public synchronized void checked(int i, boolean passed) {
    Endpoint e = endpoints[i];
    if (passed) {
      e.passes++;
      e.fails = 0;
      if (!e.healthy && e.passes >= checks.healthyThreshold()) {
        e.healthy = true;
        emit(EndpointEvent.Kind.HEALTHY, e.group, e, null, 0, null);
      }
    } else {
      e.fails++;
      e.passes = 0;
      if (e.healthy && e.fails >= checks.unhealthyThreshold()) {
        e.healthy = false;
        emit(EndpointEvent.Kind.UNHEALTHY, e.group, e, null, 0, null);
      }
    }
    reevaluate();
  }

  /** Takes the steps that time brings: ejections that ran out, a verification window that closed. */
  public synchronized void tick() {
    long now = time.nanoTime();
    for (Endpoint e : endpoints) {
      if (e.ejected && now - e.ejectedUntil >= 0) {
        e.ejected = false;
        e.lastEjectionEnded = now;
        e.failuresInARow.set(0);
        emit(EndpointEvent.Kind.RESTORED, e.group, e, null, 0, null);
      } else if (!e.ejected && e.ejections > 0 && now - e.lastEjectionEnded >= outliers.maxEjection().toNanos()) {
        e.ejections = 0; // served a whole maximum ejection without one: the next starts at the base again
      }
    }
    reevaluate();
    if (candidate >= 0 && now - stepStarted >= failback.verifyWindow().toNanos()) {
      closeWindow(now);
    }
  }

  private void eject(Endpoint e) {
    e.ejections++;
    long max = outliers.maxEjection().toNanos();
    long period = outliers.baseEjection().toNanos();
    for (int k = 1; k < e.ejections && period < max; k++) {
      period *= 2; // doubles up to the maximum, which bounds it long before a long could overflow
    }
    period = Math.min(period, max);
    e.ejected = true;
    e.ejectedUntil = time.nanoTime() + period;
    e.failuresInARow.set(0);
    emit(EndpointEvent.Kind.EJECTED, e.group, e, null, 0, Duration.ofNanos(period));
  }

  /** After any change of availability: fail over, stop a failback whose group went down, or start one. */
  private void reevaluate() {
    if (shards != null) {
      return; // shards hold different tenants: none takes over another's calls
    }
    if (!groupAvailable(active)) {
      int next = firstAvailableGroup(0);
      if (next >= 0) {
        int from = active;
        active = next;
        stopFailback();
        emit(EndpointEvent.Kind.FAILOVER, next, null, groupNames[from], 0, null);
      }
    }
    if (candidate >= 0 && !groupAvailable(candidate)) {
      abandonFailback();
    }
    if (candidate < 0) {
      for (int g = 0; g < active; g++) {
        if (ready(g)) {
          candidate = g;
          startStep(0);
          break;
        }
      }
    }
  }

  private int firstAvailableGroup(int from) {
    for (int g = from; g < members.length; g++) {
      if (groupAvailable(g)) {
        return g;
      }
    }
    return -1;
  }

  /** Whether group {@code g} may start a failback: an endpoint available with enough passed checks in a row. */
  private boolean ready(int g) {
    for (int i : members[g]) {
      Endpoint e = endpoints[i];
      if (available(e) && (checks == null || e.passes >= failback.healthyChecks())) {
        return true;
      }
    }
    return false;
  }

  private void startStep(int s) {
    step = s;
    stepStarted = time.nanoTime();
    windowCalls.set(0);
    windowErrors.set(0);
    emit(EndpointEvent.Kind.FAILBACK_STEP, candidate, null, null, failback.steps().get(s), null);
  }

  /**
   * Below the first step is no failback at all: the group must earn its checks again (without checks, it sits out an
   * ejection), so that it does not start over at once.
   */
  private void abandonFailback() {
    int c = candidate;
    stopFailback();
    for (int i : members[c]) {
      endpoints[i].passes = 0;
      if (checks == null && !endpoints[i].ejected) {
        eject(endpoints[i]);
      }
    }
    emit(EndpointEvent.Kind.FAILBACK_ROLLED_BACK, c, null, null, 0, null);
  }

  private void stopFailback() {
    candidate = -1;
    step = -1;
  }

  private void closeWindow(long now) {
    long calls = windowCalls.get();
    long errors = windowErrors.get();
    boolean tooMany = calls > 0 && errors * 100.0 / calls > failback.maxErrorRate();
    int c = candidate;
    if (tooMany && step > 0) {
      step--;
      stepStarted = now;
      windowCalls.set(0);
      windowErrors.set(0);
      emit(EndpointEvent.Kind.FAILBACK_ROLLED_BACK, c, null, null, failback.steps().get(step), null);
    } else if (tooMany) {
      abandonFailback();
    } else if (step + 1 < failback.steps().size()) {
      startStep(step + 1);
    } else {
      stopFailback();
      active = c;
      emit(EndpointEvent.Kind.FAILBACK_DONE, c, null, null, 100, null);
      reevaluate(); // a group of still higher priority may be ready too
    }
  }

  private void emit(EndpointEvent.Kind kind, int group, Endpoint e, String from, int percent, Duration ejection) {
    events.accept(new EndpointEvent(kind, upstream, groupNames[group], e == null ? null : e.uri.toString(), from,
        percent, ejection));
  }

  /** The group in use, the failback in progress and every endpoint's state. */
  public synchronized SelectorStatus status() {
    long now = time.nanoTime();
    List<SelectorStatus.Endpoint> out = new ArrayList<>();
    for (Endpoint e : endpoints) {
      long left = e.ejected ? Math.max(0, (e.ejectedUntil - now) / 1_000_000) : 0;
      out.add(new SelectorStatus.Endpoint(e.uri.toString(), groupNames[e.group], e.healthy, e.ejected, left, e.passes,
          e.failuresInARow.get()));
    }
    int c = candidate;
    return new SelectorStatus(groupNames[active], c < 0 ? null : groupNames[c],
        c < 0 ? 0 : failback.steps().get(step), out);
  }
}
