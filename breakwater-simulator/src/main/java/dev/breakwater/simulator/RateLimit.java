package dev.breakwater.simulator;

/**
 * A token-bucket limit: sustained {@code perSecond} requests per second with bursts up to {@code burst}.
 *
 * @param perSecond refill rate in tokens per second, finite and at least {@link #MIN_RATE}
 * @param burst     bucket capacity, at least 1 (a bucket that cannot hold one token would reject everything)
 */
public record RateLimit(double perSecond, int burst) {

    /** Slowest accepted rate (one request per 1000 s); slower ones would make Retry-After overflow. */
    public static final double MIN_RATE = 0.001;

    /** Validates the limit. */
    public RateLimit {
        if (!(perSecond >= MIN_RATE) || Double.isInfinite(perSecond)) {
            throw new IllegalArgumentException("rate must be a finite number >= " + MIN_RATE + ", got " + perSecond);
        }
        if (burst < 1) {
            throw new IllegalArgumentException("burst must be at least 1, got " + burst);
        }
    }

    /** Creates a limit of {@code perSecond} per second with bursts up to {@code burst}. */
    public static RateLimit of(double perSecond, int burst) {
        return new RateLimit(perSecond, burst);
    }
}
