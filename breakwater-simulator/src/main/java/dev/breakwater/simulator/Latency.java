package dev.breakwater.simulator;

import java.util.Random;

/**
 * A response-latency distribution: fixed when {@code sigma == 0}, otherwise lognormal with the given median
 * (heavy right tail, like real upstream APIs).
 *
 * @param medianMs median latency in milliseconds (for a fixed latency, the latency itself); not negative
 * @param sigma    standard deviation of the underlying normal distribution; 0 for a fixed latency
 */
public record Latency(double medianMs, double sigma) {

    /** Upper bound on any sampled latency, so a far tail sample cannot park a request for hours. */
    public static final long MAX_MILLIS = 60_000;

    /** No added latency. */
    public static final Latency NONE = new Latency(0, 0);

    /** Validates the distribution parameters. */
    public Latency {
        if (!(medianMs >= 0) || Double.isInfinite(medianMs)) {
            throw new IllegalArgumentException("latency median must be a finite number >= 0, got " + medianMs);
        }
        if (!(sigma >= 0) || Double.isInfinite(sigma)) {
            throw new IllegalArgumentException("latency sigma must be a finite number >= 0, got " + sigma);
        }
    }

    /** Returns a fixed latency of {@code millis} milliseconds. */
    public static Latency fixed(double millis) {
        return new Latency(millis, 0);
    }

    /** Returns a lognormal latency with the given median (ms) and sigma. */
    public static Latency lognormal(double medianMs, double sigma) {
        return new Latency(medianMs, sigma);
    }

    /** Draws one latency in whole milliseconds, capped at {@link #MAX_MILLIS}. */
    public long sampleMillis(Random random) {
        if (medianMs == 0) {
            return 0;
        }
        double ms = sigma == 0 ? medianMs : medianMs * Math.exp(sigma * random.nextGaussian());
        return Math.min(MAX_MILLIS, Math.round(ms));
    }
}
