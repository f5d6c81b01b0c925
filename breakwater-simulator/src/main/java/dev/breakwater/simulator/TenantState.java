package dev.breakwater.simulator;

import java.util.concurrent.atomic.LongAdder;

/** Mutable per-tenant state: counters, the token bucket and the current Retry-After window. */
final class TenantState {

    /** Outcome of a throttling check. */
    record Admission(boolean admitted, boolean insideWindow, long retryAfterSeconds) {
        static final Admission ADMITTED = new Admission(true, false, 0);
    }

    final String id;
    final LongAdder received = new LongAdder();
    final LongAdder served = new LongAdder();
    final LongAdder throttled = new LongAdder();
    final LongAdder errors = new LongAdder();
    final LongAdder receivedInsideWindow = new LongAdder();

    // Guarded by this: the bucket and window must change together or two racing requests could both pass.
    private TokenBucket bucket;
    private long windowUntilNanos;
    private boolean inWindow;

    TenantState(String id) {
        this.id = id;
    }

    /** Decides whether a request at {@code nowNanos} may proceed under {@code limit}. */
    synchronized Admission admit(long nowNanos, RateLimit limit) {
        if (inWindow) {
            long remaining = windowUntilNanos - nowNanos;
            if (remaining > 0) {
                // The client ignored (or did not wait out) our Retry-After: reject without touching the bucket.
                return new Admission(false, true, TokenBucket.retryAfterSeconds(remaining));
            }
            inWindow = false;
        }
        if (bucket == null) {
            bucket = new TokenBucket(limit, nowNanos);
        } else if (!bucket.limit().equals(limit)) {
            bucket.reconfigure(limit, nowNanos); // runtime config change applies to existing tenants too
        }
        long wait = bucket.tryAcquire(nowNanos);
        if (wait == 0) {
            return Admission.ADMITTED;
        }
        long seconds = TokenBucket.retryAfterSeconds(wait);
        // The window ends where the advertised Retry-After ends, so a client honouring it is never counted.
        windowUntilNanos = nowNanos + seconds * 1_000_000_000L;
        inWindow = true;
        return new Admission(false, false, seconds);
    }

    TenantCounters snapshot() {
        return new TenantCounters(received.sum(), served.sum(), throttled.sum(), errors.sum(),
                receivedInsideWindow.sum());
    }
}
