package dev.breakwater.simulator;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.UnaryOperator;

/** Everything mutable the simulator shares across event loops: live config, tenants, counters. */
final class SimulatorState {

    /** Tenant id used for every tenant past {@link SimulatorConfig#maxTenants()}. */
    static final String OVERFLOW_TENANT = "~overflow";

    private final AtomicReference<SimulatorConfig> config;
    final Ticker ticker;
    final long startNanos;
    // java.util.Random is thread-safe and, unlike ThreadLocalRandom, seedable for reproducible demos.
    final Random random;

    private final ConcurrentHashMap<String, TenantState> tenants = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, LongAdder> executionsByKey = new ConcurrentHashMap<>();
    final LongAdder sendMailWithoutKey = new LongAdder();
    final LongAdder untrackedKeys = new LongAdder();
    final LongAdder noop = new LongAdder();
    final LongAdder notFound = new LongAdder();

    SimulatorState(SimulatorConfig initial) {
        this.config = new AtomicReference<>(initial);
        this.ticker = initial.ticker();
        this.startNanos = ticker.nanoTime();
        this.random = initial.seed() == null ? new Random() : new Random(initial.seed());
    }

    SimulatorConfig config() {
        return config.get();
    }

    SimulatorConfig update(UnaryOperator<SimulatorConfig> change) {
        return config.updateAndGet(change);
    }

    long elapsedNanos(long nowNanos) {
        return nowNanos - startNanos;
    }

    TenantState tenant(String id) {
        TenantState existing = tenants.get(id);
        if (existing != null) {
            return existing;
        }
        // Bounded so a client inventing tenant ids cannot grow memory without limit; the bound is approximate.
        if (tenants.size() >= config().maxTenants()) {
            return tenants.computeIfAbsent(OVERFLOW_TENANT, TenantState::new);
        }
        return tenants.computeIfAbsent(id, TenantState::new);
    }

    void recordSendMail(String idempotencyKey) {
        if (idempotencyKey == null) {
            sendMailWithoutKey.increment();
            return;
        }
        LongAdder counter = executionsByKey.get(idempotencyKey);
        if (counter == null) {
            if (executionsByKey.size() >= config().maxTrackedKeys()) {
                untrackedKeys.increment();
                return;
            }
            counter = executionsByKey.computeIfAbsent(idempotencyKey, k -> new LongAdder());
        }
        counter.increment();
    }

    boolean outageActive(SimulatorConfig cfg, long elapsedNanos) {
        for (TimeWindow w : cfg.outages()) {
            if (w.isActiveAt(elapsedNanos)) {
                return true;
            }
        }
        return false;
    }

    boolean errorBurstActive(SimulatorConfig cfg, long elapsedNanos) {
        for (TimeWindow w : cfg.errorBursts()) {
            if (w.isActiveAt(elapsedNanos)) {
                return true;
            }
        }
        return false;
    }

    CountersSnapshot snapshot() {
        Map<String, TenantCounters> perTenant = new HashMap<>();
        TenantCounters totals = TenantCounters.ZERO;
        for (TenantState t : tenants.values()) {
            TenantCounters c = t.snapshot();
            perTenant.put(t.id, c);
            totals = totals.plus(c);
        }
        Map<String, Long> executions = new HashMap<>();
        executionsByKey.forEach((k, v) -> executions.put(k, v.sum()));
        return new CountersSnapshot(perTenant, totals, executions, sendMailWithoutKey.sum(), untrackedKeys.sum(),
                noop.sum(), notFound.sum());
    }

    /** Forgets tenants (and with them buckets and Retry-After windows) and zeroes every counter; keeps the config. */
    void reset() {
        tenants.clear();
        executionsByKey.clear();
        sendMailWithoutKey.reset();
        untrackedKeys.reset();
        noop.reset();
        notFound.reset();
    }
}
