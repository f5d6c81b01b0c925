package dev.breakwater.simulator;

/**
 * What the simulator saw for one tenant (or in total).
 *
 * @param received             Graph-endpoint requests received (throttled, failed and served alike)
 * @param served               requests answered with 2xx
 * @param throttled            requests answered 429 (or 503) with a {@code Retry-After} header
 * @param errors               requests answered 5xx without {@code Retry-After}, or reset during an outage
 * @param receivedInsideWindow requests that arrived while the tenant was inside its Retry-After window
 */
public record TenantCounters(long received, long served, long throttled, long errors, long receivedInsideWindow) {

    /** All zeros. */
    public static final TenantCounters ZERO = new TenantCounters(0, 0, 0, 0, 0);

    /** Returns the field-wise sum of this and {@code other}. */
    public TenantCounters plus(TenantCounters other) {
        return new TenantCounters(received + other.received, served + other.served, throttled + other.throttled,
                errors + other.errors, receivedInsideWindow + other.receivedInsideWindow);
    }
}
