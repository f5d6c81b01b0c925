package dev.breakwater.simulator;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** A {@link Ticker} that only moves when told to, for deterministic tests of throttling and windows. */
public final class ManualTicker implements Ticker {

    // Atomic because the simulator reads it on event-loop threads while the test thread advances it.
    private final AtomicLong nanos;

    /** Creates a ticker starting at an arbitrary non-zero origin (so code cannot silently rely on zero). */
    public ManualTicker() {
        this(1_000_000_000_000L);
    }

    /** Creates a ticker starting at the given nanosecond value. */
    public ManualTicker(long startNanos) {
        this.nanos = new AtomicLong(startNanos);
    }

    /** Returns the current (manually controlled) time. */
    @Override
    public long nanoTime() {
        return nanos.get();
    }

    /** Moves time forward by the given non-negative amount. */
    public void advance(Duration amount) {
        advanceNanos(amount.toNanos());
    }

    /** Moves time forward by the given non-negative number of nanoseconds. */
    public void advanceNanos(long amount) {
        if (amount < 0) {
            throw new IllegalArgumentException("time cannot go backwards: " + amount);
        }
        nanos.addAndGet(amount);
    }
}
