package dev.breakwater.simulator;

import java.util.Objects;

/**
 * A classic token bucket driven by caller-supplied nanosecond timestamps (so it is testable on a fake clock).
 * Not thread-safe: the simulator guards each tenant's bucket with the tenant's lock.
 */
public final class TokenBucket {

    private static final double NANOS_PER_SECOND = 1_000_000_000d;
    // Tolerates floating-point drift, so exactly one refill interval really yields a whole token.
    private static final double EPSILON = 1e-9;

    private RateLimit limit;
    private double tokens;
    private long lastRefillNanos;

    /** Creates a full bucket (a fresh tenant may burst immediately, as real APIs allow). */
    public TokenBucket(RateLimit limit, long nowNanos) {
        this.limit = Objects.requireNonNull(limit, "limit");
        this.tokens = limit.burst();
        this.lastRefillNanos = nowNanos;
    }

    /** Returns the limit this bucket currently enforces. */
    public RateLimit limit() {
        return limit;
    }

    /**
     * Takes one token if available.
     *
     * @return 0 if a token was taken, otherwise the nanoseconds until one token will be available (always positive)
     */
    public long tryAcquire(long nowNanos) {
        refill(nowNanos);
        if (tokens >= 1 - EPSILON) {
            tokens = Math.max(0, tokens - 1);
            return 0;
        }
        long wait = (long) Math.ceil((1 - tokens) / limit.perSecond() * NANOS_PER_SECOND);
        return Math.max(1, wait);
    }

    /** Returns the tokens available at {@code nowNanos} (refilling first). */
    public double availableTokens(long nowNanos) {
        refill(nowNanos);
        return tokens;
    }

    /** Switches to a new limit, keeping the tokens earned so far but never more than the new burst. */
    public void reconfigure(RateLimit newLimit, long nowNanos) {
        Objects.requireNonNull(newLimit, "newLimit");
        refill(nowNanos); // tokens earned under the old rate stay earned
        this.limit = newLimit;
        this.tokens = Math.min(tokens, newLimit.burst());
    }

    /**
     * Converts a wait into a {@code Retry-After} value: whole seconds rounded up (a client that waits exactly that
     * long must find a token), and at least 1 because {@code Retry-After: 0} invites an immediate retry storm.
     */
    public static long retryAfterSeconds(long waitNanos) {
        if (waitNanos <= 0) {
            return 1;
        }
        long seconds = waitNanos / 1_000_000_000L;
        if (waitNanos % 1_000_000_000L != 0) {
            seconds++;
        }
        return Math.max(1, seconds);
    }

    private void refill(long nowNanos) {
        long elapsed = nowNanos - lastRefillNanos;
        if (elapsed <= 0) {
            return; // a non-monotonic caller must not drain or overfill the bucket
        }
        tokens = Math.min(limit.burst(), tokens + elapsed * limit.perSecond() / NANOS_PER_SECOND);
        lastRefillNanos = nowNanos;
    }
}
