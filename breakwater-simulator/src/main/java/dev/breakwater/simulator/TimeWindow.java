package dev.breakwater.simulator;

import java.time.Duration;
import java.util.Objects;

/**
 * A scheduled window (outage or error burst) relative to the simulator's start.
 *
 * @param start    offset from server start at which the window opens (not negative)
 * @param duration how long the window stays open (positive)
 */
public record TimeWindow(Duration start, Duration duration) {

    /** Longest accepted start offset or duration (keeps every nanosecond sum far from overflow). */
    public static final Duration MAX = Duration.ofDays(365 * 100L);

    /** Validates the window. */
    public TimeWindow {
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(duration, "duration");
        if (start.isNegative()) {
            throw new IllegalArgumentException("window start must not be negative: " + start);
        }
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("window duration must be positive: " + duration);
        }
        // Checked here so an absurd window is a 400 at config time, not an overflow on every request later.
        if (start.compareTo(MAX) > 0 || duration.compareTo(MAX) > 0) {
            throw new IllegalArgumentException("window start and duration must be at most " + MAX.toDays() + " days");
        }
    }

    /** Creates a window opening {@code start} after server start and lasting {@code duration}. */
    public static TimeWindow of(Duration start, Duration duration) {
        return new TimeWindow(start, duration);
    }

    /** Returns whether the window is open at {@code elapsedNanos} after server start (start inclusive, end exclusive). */
    public boolean isActiveAt(long elapsedNanos) {
        long from = start.toNanos();
        return elapsedNanos >= from && elapsedNanos < from + duration.toNanos();
    }

    /** Returns whether the window has closed for good at {@code elapsedNanos}, so it can be pruned. */
    boolean isOverAt(long elapsedNanos) {
        return elapsedNanos >= start.toNanos() + duration.toNanos();
    }
}
