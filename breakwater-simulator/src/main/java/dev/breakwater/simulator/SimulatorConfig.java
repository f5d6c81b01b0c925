package dev.breakwater.simulator;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Immutable simulator configuration; start from {@link #defaults()} and adjust with the {@code with...} methods.
 *
 * @param host                   interface to bind (default {@code 127.0.0.1})
 * @param port                   port to bind, 0 for an ephemeral port (default 0)
 * @param tenantHeader           request header naming the tenant (default {@code X-Tenant-Id})
 * @param throttlingEnabled      whether the per-tenant token bucket is enforced (default true)
 * @param rateLimit              default per-tenant limit (default 20/s, burst 40)
 * @param tenantLimits           per-tenant overrides of {@code rateLimit}
 * @param throttle503Fraction    fraction of throttled answers sent as 503 + Retry-After instead of 429 (default 0)
 * @param errorRate              probability of an injected 5xx on a Graph endpoint (default 0)
 * @param errorStatuses          statuses drawn uniformly for injected errors (default 500, 502, 503)
 * @param errorBursts            windows (relative to start) in which the error rate is 100 %
 * @param outages                windows (relative to start) in which every Graph request gets 503 without Retry-After
 * @param outageResetsConnection during outages, reset the connection instead of answering 503
 * @param latency                default latency for Graph endpoints (default none)
 * @param groupLatency           per endpoint-group latency overriding {@code latency}
 * @param listSize               items in each per-tenant list (default 95)
 * @param defaultPageSize        page size when {@code $top} is absent (default 10)
 * @param maxPageSize            largest honoured {@code $top}; larger values are clamped (default 50)
 * @param publicBaseUrl          base URL for {@code @odata.nextLink}, or null for the bound address
 * @param maxTrackedKeys         bound on distinct Idempotency-Keys counted (default 10,000)
 * @param maxTenants             bound on distinct tenants tracked; later ones share one overflow entry (default 10,000)
 * @param eventLoops             event-loop threads serving requests (default 1, light on small machines)
 * @param seed                   seed for error/latency randomness, or null for a random seed
 * @param ticker                 time source for throttling and windows (default {@link Ticker#system()})
 */
public record SimulatorConfig(
        String host,
        int port,
        String tenantHeader,
        boolean throttlingEnabled,
        RateLimit rateLimit,
        Map<String, RateLimit> tenantLimits,
        double throttle503Fraction,
        double errorRate,
        List<Integer> errorStatuses,
        List<TimeWindow> errorBursts,
        List<TimeWindow> outages,
        boolean outageResetsConnection,
        Latency latency,
        Map<EndpointGroup, Latency> groupLatency,
        int listSize,
        int defaultPageSize,
        int maxPageSize,
        String publicBaseUrl,
        int maxTrackedKeys,
        int maxTenants,
        int eventLoops,
        Long seed,
        Ticker ticker) {

    /** Validates every field and freezes the collections. */
    public SimulatorConfig {
        Objects.requireNonNull(host, "host");
        if (host.isBlank()) {
            throw new IllegalArgumentException("host must not be blank");
        }
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port must be in 0..65535, got " + port);
        }
        Objects.requireNonNull(tenantHeader, "tenantHeader");
        if (tenantHeader.isBlank()) {
            throw new IllegalArgumentException("tenantHeader must not be blank");
        }
        Objects.requireNonNull(rateLimit, "rateLimit");
        tenantLimits = Map.copyOf(Objects.requireNonNull(tenantLimits, "tenantLimits"));
        requireFraction("throttle503Fraction", throttle503Fraction);
        requireFraction("errorRate", errorRate);
        errorStatuses = List.copyOf(Objects.requireNonNull(errorStatuses, "errorStatuses"));
        if (errorStatuses.isEmpty()) {
            throw new IllegalArgumentException("errorStatuses must not be empty");
        }
        for (int status : errorStatuses) {
            if (status < 500 || status > 599) {
                throw new IllegalArgumentException("errorStatuses must be 5xx, got " + status);
            }
        }
        errorBursts = List.copyOf(Objects.requireNonNull(errorBursts, "errorBursts"));
        outages = List.copyOf(Objects.requireNonNull(outages, "outages"));
        Objects.requireNonNull(latency, "latency");
        groupLatency = Map.copyOf(Objects.requireNonNull(groupLatency, "groupLatency"));
        if (listSize < 0) {
            throw new IllegalArgumentException("listSize must not be negative, got " + listSize);
        }
        if (maxPageSize < 1) {
            throw new IllegalArgumentException("maxPageSize must be at least 1, got " + maxPageSize);
        }
        if (defaultPageSize < 1 || defaultPageSize > maxPageSize) {
            throw new IllegalArgumentException("defaultPageSize must be in 1.." + maxPageSize + ", got " + defaultPageSize);
        }
        if (publicBaseUrl != null) {
            if (!publicBaseUrl.startsWith("http://") && !publicBaseUrl.startsWith("https://")) {
                throw new IllegalArgumentException("publicBaseUrl must start with http:// or https://, got " + publicBaseUrl);
            }
            // stripped so nextLink never gets a double slash
            while (publicBaseUrl.endsWith("/")) {
                publicBaseUrl = publicBaseUrl.substring(0, publicBaseUrl.length() - 1);
            }
        }
        if (maxTrackedKeys < 0) {
            throw new IllegalArgumentException("maxTrackedKeys must not be negative, got " + maxTrackedKeys);
        }
        if (maxTenants < 1) {
            throw new IllegalArgumentException("maxTenants must be at least 1, got " + maxTenants);
        }
        if (eventLoops < 1 || eventLoops > 64) {
            throw new IllegalArgumentException("eventLoops must be in 1..64, got " + eventLoops);
        }
        Objects.requireNonNull(ticker, "ticker");
    }

    /** Returns the documented defaults: 127.0.0.1:0, 20/s burst 40, no errors, no latency, 95 items per list. */
    public static SimulatorConfig defaults() {
        return new SimulatorConfig("127.0.0.1", 0, "X-Tenant-Id", true, RateLimit.of(20, 40), Map.of(),
                0.0, 0.0, List.of(500, 502, 503), List.of(), List.of(), false, Latency.NONE, Map.of(),
                95, 10, 50, null, 10_000, 10_000, 1, null, Ticker.system());
    }

    /** Returns the limit that applies to {@code tenantId}. */
    public RateLimit limitFor(String tenantId) {
        RateLimit override = tenantLimits.get(tenantId);
        return override != null ? override : rateLimit;
    }

    /** Returns the latency distribution for {@code group}. */
    public Latency latencyFor(EndpointGroup group) {
        Latency override = groupLatency.get(group);
        return override != null ? override : latency;
    }

    /** Returns a copy bound to {@code host}. */
    public SimulatorConfig withHost(String host) {
        return new SimulatorConfig(host, port, tenantHeader, throttlingEnabled, rateLimit, tenantLimits,
                throttle503Fraction, errorRate, errorStatuses, errorBursts, outages, outageResetsConnection, latency,
                groupLatency, listSize, defaultPageSize, maxPageSize, publicBaseUrl, maxTrackedKeys, maxTenants,
                eventLoops, seed, ticker);
    }

    /** Returns a copy bound to {@code port} (0 = ephemeral). */
    public SimulatorConfig withPort(int port) {
        return new SimulatorConfig(host, port, tenantHeader, throttlingEnabled, rateLimit, tenantLimits,
                throttle503Fraction, errorRate, errorStatuses, errorBursts, outages, outageResetsConnection, latency,
                groupLatency, listSize, defaultPageSize, maxPageSize, publicBaseUrl, maxTrackedKeys, maxTenants,
                eventLoops, seed, ticker);
    }

    /** Returns a copy reading the tenant from header {@code tenantHeader}. */
    public SimulatorConfig withTenantHeader(String tenantHeader) {
        return new SimulatorConfig(host, port, tenantHeader, throttlingEnabled, rateLimit, tenantLimits,
                throttle503Fraction, errorRate, errorStatuses, errorBursts, outages, outageResetsConnection, latency,
                groupLatency, listSize, defaultPageSize, maxPageSize, publicBaseUrl, maxTrackedKeys, maxTenants,
                eventLoops, seed, ticker);
    }

    /** Returns a copy with throttling switched on or off. */
    public SimulatorConfig withThrottlingEnabled(boolean throttlingEnabled) {
        return new SimulatorConfig(host, port, tenantHeader, throttlingEnabled, rateLimit, tenantLimits,
                throttle503Fraction, errorRate, errorStatuses, errorBursts, outages, outageResetsConnection, latency,
                groupLatency, listSize, defaultPageSize, maxPageSize, publicBaseUrl, maxTrackedKeys, maxTenants,
                eventLoops, seed, ticker);
    }

    /** Returns a copy whose default per-tenant limit is {@code rateLimit}. */
    public SimulatorConfig withRateLimit(RateLimit rateLimit) {
        return new SimulatorConfig(host, port, tenantHeader, throttlingEnabled, rateLimit, tenantLimits,
                throttle503Fraction, errorRate, errorStatuses, errorBursts, outages, outageResetsConnection, latency,
                groupLatency, listSize, defaultPageSize, maxPageSize, publicBaseUrl, maxTrackedKeys, maxTenants,
                eventLoops, seed, ticker);
    }

    /** Returns a copy whose default per-tenant limit is {@code perSecond}/s with bursts up to {@code burst}. */
    public SimulatorConfig withRate(double perSecond, int burst) {
        return withRateLimit(RateLimit.of(perSecond, burst));
    }

    /** Returns a copy with exactly these per-tenant limit overrides. */
    public SimulatorConfig withTenantLimits(Map<String, RateLimit> tenantLimits) {
        return new SimulatorConfig(host, port, tenantHeader, throttlingEnabled, rateLimit, tenantLimits,
                throttle503Fraction, errorRate, errorStatuses, errorBursts, outages, outageResetsConnection, latency,
                groupLatency, listSize, defaultPageSize, maxPageSize, publicBaseUrl, maxTrackedKeys, maxTenants,
                eventLoops, seed, ticker);
    }

    /** Returns a copy where {@code tenantId} has its own limit ({@code null} removes the override). */
    public SimulatorConfig withTenantLimit(String tenantId, RateLimit limit) {
        Map<String, RateLimit> copy = new HashMap<>(tenantLimits);
        if (limit == null) {
            copy.remove(tenantId);
        } else {
            copy.put(Objects.requireNonNull(tenantId, "tenantId"), limit);
        }
        return withTenantLimits(copy);
    }

    /** Returns a copy answering that fraction of throttled requests with 503 + Retry-After instead of 429. */
    public SimulatorConfig withThrottle503Fraction(double throttle503Fraction) {
        return new SimulatorConfig(host, port, tenantHeader, throttlingEnabled, rateLimit, tenantLimits,
                throttle503Fraction, errorRate, errorStatuses, errorBursts, outages, outageResetsConnection, latency,
                groupLatency, listSize, defaultPageSize, maxPageSize, publicBaseUrl, maxTrackedKeys, maxTenants,
                eventLoops, seed, ticker);
    }

    /** Returns a copy injecting 5xx errors with probability {@code errorRate}. */
    public SimulatorConfig withErrorRate(double errorRate) {
        return new SimulatorConfig(host, port, tenantHeader, throttlingEnabled, rateLimit, tenantLimits,
                throttle503Fraction, errorRate, errorStatuses, errorBursts, outages, outageResetsConnection, latency,
                groupLatency, listSize, defaultPageSize, maxPageSize, publicBaseUrl, maxTrackedKeys, maxTenants,
                eventLoops, seed, ticker);
    }

    /** Returns a copy drawing injected errors uniformly from {@code errorStatuses} (repeat a status to weight it). */
    public SimulatorConfig withErrorStatuses(List<Integer> errorStatuses) {
        return new SimulatorConfig(host, port, tenantHeader, throttlingEnabled, rateLimit, tenantLimits,
                throttle503Fraction, errorRate, errorStatuses, errorBursts, outages, outageResetsConnection, latency,
                groupLatency, listSize, defaultPageSize, maxPageSize, publicBaseUrl, maxTrackedKeys, maxTenants,
                eventLoops, seed, ticker);
    }

    /** Returns a copy with exactly these error-burst windows. */
    public SimulatorConfig withErrorBursts(List<TimeWindow> errorBursts) {
        return new SimulatorConfig(host, port, tenantHeader, throttlingEnabled, rateLimit, tenantLimits,
                throttle503Fraction, errorRate, errorStatuses, errorBursts, outages, outageResetsConnection, latency,
                groupLatency, listSize, defaultPageSize, maxPageSize, publicBaseUrl, maxTrackedKeys, maxTenants,
                eventLoops, seed, ticker);
    }

    /** Returns a copy with one more error burst starting {@code start} after server start and lasting {@code duration}. */
    public SimulatorConfig withErrorBurst(Duration start, Duration duration) {
        List<TimeWindow> copy = new ArrayList<>(errorBursts);
        copy.add(TimeWindow.of(start, duration));
        return withErrorBursts(copy);
    }

    /** Returns a copy with exactly these outage windows. */
    public SimulatorConfig withOutages(List<TimeWindow> outages) {
        return new SimulatorConfig(host, port, tenantHeader, throttlingEnabled, rateLimit, tenantLimits,
                throttle503Fraction, errorRate, errorStatuses, errorBursts, outages, outageResetsConnection, latency,
                groupLatency, listSize, defaultPageSize, maxPageSize, publicBaseUrl, maxTrackedKeys, maxTenants,
                eventLoops, seed, ticker);
    }

    /** Returns a copy with one more outage starting {@code start} after server start and lasting {@code duration}. */
    public SimulatorConfig withOutage(Duration start, Duration duration) {
        List<TimeWindow> copy = new ArrayList<>(outages);
        copy.add(TimeWindow.of(start, duration));
        return withOutages(copy);
    }

    /** Returns a copy that resets connections (instead of answering 503) during outages. */
    public SimulatorConfig withOutageResetsConnection(boolean outageResetsConnection) {
        return new SimulatorConfig(host, port, tenantHeader, throttlingEnabled, rateLimit, tenantLimits,
                throttle503Fraction, errorRate, errorStatuses, errorBursts, outages, outageResetsConnection, latency,
                groupLatency, listSize, defaultPageSize, maxPageSize, publicBaseUrl, maxTrackedKeys, maxTenants,
                eventLoops, seed, ticker);
    }

    /** Returns a copy with {@code latency} as the default latency of every Graph endpoint group. */
    public SimulatorConfig withLatency(Latency latency) {
        return new SimulatorConfig(host, port, tenantHeader, throttlingEnabled, rateLimit, tenantLimits,
                throttle503Fraction, errorRate, errorStatuses, errorBursts, outages, outageResetsConnection, latency,
                groupLatency, listSize, defaultPageSize, maxPageSize, publicBaseUrl, maxTrackedKeys, maxTenants,
                eventLoops, seed, ticker);
    }

    /** Returns a copy with exactly these per-group latency overrides. */
    public SimulatorConfig withGroupLatency(Map<EndpointGroup, Latency> groupLatency) {
        return new SimulatorConfig(host, port, tenantHeader, throttlingEnabled, rateLimit, tenantLimits,
                throttle503Fraction, errorRate, errorStatuses, errorBursts, outages, outageResetsConnection, latency,
                groupLatency, listSize, defaultPageSize, maxPageSize, publicBaseUrl, maxTrackedKeys, maxTenants,
                eventLoops, seed, ticker);
    }

    /** Returns a copy where {@code group} has its own latency ({@code null} removes the override). */
    public SimulatorConfig withLatency(EndpointGroup group, Latency latency) {
        Map<EndpointGroup, Latency> copy = new EnumMap<>(EndpointGroup.class);
        copy.putAll(groupLatency);
        if (latency == null) {
            copy.remove(group);
        } else {
            copy.put(Objects.requireNonNull(group, "group"), latency);
        }
        return withGroupLatency(copy);
    }

    /** Returns a copy with {@code listSize} items per list. */
    public SimulatorConfig withListSize(int listSize) {
        return new SimulatorConfig(host, port, tenantHeader, throttlingEnabled, rateLimit, tenantLimits,
                throttle503Fraction, errorRate, errorStatuses, errorBursts, outages, outageResetsConnection, latency,
                groupLatency, listSize, defaultPageSize, maxPageSize, publicBaseUrl, maxTrackedKeys, maxTenants,
                eventLoops, seed, ticker);
    }

    /** Returns a copy with the given default and maximum page sizes. */
    public SimulatorConfig withPageSizes(int defaultPageSize, int maxPageSize) {
        return new SimulatorConfig(host, port, tenantHeader, throttlingEnabled, rateLimit, tenantLimits,
                throttle503Fraction, errorRate, errorStatuses, errorBursts, outages, outageResetsConnection, latency,
                groupLatency, listSize, defaultPageSize, maxPageSize, publicBaseUrl, maxTrackedKeys, maxTenants,
                eventLoops, seed, ticker);
    }

    /** Returns a copy whose nextLinks start with {@code publicBaseUrl} (e.g. a gateway's address), or null for the bound address. */
    public SimulatorConfig withPublicBaseUrl(String publicBaseUrl) {
        return new SimulatorConfig(host, port, tenantHeader, throttlingEnabled, rateLimit, tenantLimits,
                throttle503Fraction, errorRate, errorStatuses, errorBursts, outages, outageResetsConnection, latency,
                groupLatency, listSize, defaultPageSize, maxPageSize, publicBaseUrl, maxTrackedKeys, maxTenants,
                eventLoops, seed, ticker);
    }

    /** Returns a copy counting at most {@code maxTrackedKeys} distinct Idempotency-Keys. */
    public SimulatorConfig withMaxTrackedKeys(int maxTrackedKeys) {
        return new SimulatorConfig(host, port, tenantHeader, throttlingEnabled, rateLimit, tenantLimits,
                throttle503Fraction, errorRate, errorStatuses, errorBursts, outages, outageResetsConnection, latency,
                groupLatency, listSize, defaultPageSize, maxPageSize, publicBaseUrl, maxTrackedKeys, maxTenants,
                eventLoops, seed, ticker);
    }

    /** Returns a copy tracking at most {@code maxTenants} distinct tenants. */
    public SimulatorConfig withMaxTenants(int maxTenants) {
        return new SimulatorConfig(host, port, tenantHeader, throttlingEnabled, rateLimit, tenantLimits,
                throttle503Fraction, errorRate, errorStatuses, errorBursts, outages, outageResetsConnection, latency,
                groupLatency, listSize, defaultPageSize, maxPageSize, publicBaseUrl, maxTrackedKeys, maxTenants,
                eventLoops, seed, ticker);
    }

    /** Returns a copy serving on {@code eventLoops} event-loop threads. */
    public SimulatorConfig withEventLoops(int eventLoops) {
        return new SimulatorConfig(host, port, tenantHeader, throttlingEnabled, rateLimit, tenantLimits,
                throttle503Fraction, errorRate, errorStatuses, errorBursts, outages, outageResetsConnection, latency,
                groupLatency, listSize, defaultPageSize, maxPageSize, publicBaseUrl, maxTrackedKeys, maxTenants,
                eventLoops, seed, ticker);
    }

    /** Returns a copy whose randomness is seeded with {@code seed} (null for a random seed). */
    public SimulatorConfig withSeed(Long seed) {
        return new SimulatorConfig(host, port, tenantHeader, throttlingEnabled, rateLimit, tenantLimits,
                throttle503Fraction, errorRate, errorStatuses, errorBursts, outages, outageResetsConnection, latency,
                groupLatency, listSize, defaultPageSize, maxPageSize, publicBaseUrl, maxTrackedKeys, maxTenants,
                eventLoops, seed, ticker);
    }

    /** Returns a copy using {@code ticker} as its time source. */
    public SimulatorConfig withTicker(Ticker ticker) {
        return new SimulatorConfig(host, port, tenantHeader, throttlingEnabled, rateLimit, tenantLimits,
                throttle503Fraction, errorRate, errorStatuses, errorBursts, outages, outageResetsConnection, latency,
                groupLatency, listSize, defaultPageSize, maxPageSize, publicBaseUrl, maxTrackedKeys, maxTenants,
                eventLoops, seed, ticker);
    }

    private static void requireFraction(String name, double value) {
        if (!(value >= 0 && value <= 1)) {
            throw new IllegalArgumentException(name + " must be in 0..1, got " + value);
        }
    }
}
