package dev.breakwater.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.breakwater.config.Durations;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The JSON face of the live configuration: rendering for {@code GET /_sim/config} and applying the partial
 * updates of {@code POST /_sim/config}. Strict on purpose: a typo in a demo must fail loudly, not be ignored.
 */
final class ConfigJson {

    /** Windows kept at most, so repeated "outage now" calls cannot grow the config without bound. */
    static final int MAX_WINDOWS = 100;

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Set<String> LATENCY_FIELDS = Set.of("medianMs", "sigma");
    private static final Set<String> LIMIT_FIELDS = Set.of("rate", "burst");
    private static final Set<String> WINDOW_FIELDS = Set.of("start", "duration");

    private ConfigJson() {
    }

    /** Renders the runtime-relevant part of {@code cfg}, plus which windows are active right now. */
    static ObjectNode render(SimulatorConfig cfg, long elapsedNanos) {
        ObjectNode n = NODES.objectNode();
        n.put("tenantHeader", cfg.tenantHeader());
        n.put("throttling", cfg.throttlingEnabled());
        n.put("rate", cfg.rateLimit().perSecond());
        n.put("burst", cfg.rateLimit().burst());
        ObjectNode tenants = n.putObject("tenants");
        cfg.tenantLimits().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e ->
                tenants.putObject(e.getKey()).put("rate", e.getValue().perSecond()).put("burst", e.getValue().burst()));
        n.put("throttle503Fraction", cfg.throttle503Fraction());
        n.put("errorRate", cfg.errorRate());
        ArrayNode statuses = n.putArray("errorStatuses");
        cfg.errorStatuses().forEach(statuses::add);
        n.set("errorBursts", renderWindows(cfg.errorBursts(), elapsedNanos));
        n.set("outages", renderWindows(cfg.outages(), elapsedNanos));
        n.put("outageResetsConnection", cfg.outageResetsConnection());
        n.set("latency", renderLatency(cfg.latency()));
        ObjectNode groups = n.putObject("groupLatency");
        for (EndpointGroup g : EndpointGroup.values()) {
            Latency l = cfg.groupLatency().get(g);
            if (l != null) {
                groups.set(g.jsonName(), renderLatency(l));
            }
        }
        n.put("listSize", cfg.listSize());
        n.put("defaultPageSize", cfg.defaultPageSize());
        n.put("maxPageSize", cfg.maxPageSize());
        n.put("elapsedMs", elapsedNanos / 1_000_000);
        n.put("outageActive", cfg.outages().stream().anyMatch(w -> w.isActiveAt(elapsedNanos)));
        n.put("errorBurstActive", cfg.errorBursts().stream().anyMatch(w -> w.isActiveAt(elapsedNanos)));
        return n;
    }

    /**
     * Applies a partial update. Accepted keys: throttling, rate, burst, tenants (map of tenant to
     * {rate, burst} or null to remove), throttle503Fraction, errorRate, errorStatuses, errorBursts, outages
     * (lists of {start, duration} relative to server start), outageNow / errorBurstNow (a duration: open a window
     * now), outageResetsConnection, latency ({medianMs, sigma}), groupLatency (map of group to latency or null).
     *
     * @throws IllegalArgumentException with a client-facing message if anything is malformed
     */
    static SimulatorConfig apply(JsonNode patch, SimulatorConfig cfg, long elapsedNanos) {
        if (patch == null || !patch.isObject()) {
            throw new IllegalArgumentException("config update must be a JSON object");
        }
        SimulatorConfig out = cfg;
        Double rate = null;
        Integer burst = null;
        Iterator<Map.Entry<String, JsonNode>> fields = patch.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            String key = f.getKey();
            JsonNode v = f.getValue();
            switch (key) {
                case "throttling" -> out = out.withThrottlingEnabled(bool(key, v));
                case "rate" -> rate = number(key, v);
                case "burst" -> burst = integer(key, v);
                case "tenants" -> out = out.withTenantLimits(tenants(v, out.tenantLimits()));
                case "throttle503Fraction" -> out = out.withThrottle503Fraction(number(key, v));
                case "errorRate" -> out = out.withErrorRate(number(key, v));
                case "errorStatuses" -> out = out.withErrorStatuses(statuses(v));
                case "errorBursts" -> out = out.withErrorBursts(windows(key, v));
                case "outages" -> out = out.withOutages(windows(key, v));
                case "outageNow" -> out = out.withOutages(
                        addNow(out.outages(), duration(key, v), elapsedNanos));
                case "errorBurstNow" -> out = out.withErrorBursts(
                        addNow(out.errorBursts(), duration(key, v), elapsedNanos));
                case "outageResetsConnection" -> out = out.withOutageResetsConnection(bool(key, v));
                case "latency" -> out = out.withLatency(latency(key, v));
                case "groupLatency" -> out = out.withGroupLatency(groupLatency(v, out.groupLatency()));
                default -> throw new IllegalArgumentException("unknown or read-only config field '" + key + "'");
            }
        }
        if (rate != null || burst != null) {
            out = out.withRateLimit(RateLimit.of(rate != null ? rate : out.rateLimit().perSecond(),
                    burst != null ? burst : out.rateLimit().burst()));
        }
        return out;
    }

    private static ArrayNode renderWindows(List<TimeWindow> windows, long elapsedNanos) {
        ArrayNode a = NODES.arrayNode();
        for (TimeWindow w : windows) {
            a.addObject().put("start", Durations.format(w.start())).put("duration", Durations.format(w.duration()))
                    .put("active", w.isActiveAt(elapsedNanos));
        }
        return a;
    }

    private static ObjectNode renderLatency(Latency l) {
        return NODES.objectNode().put("medianMs", l.medianMs()).put("sigma", l.sigma());
    }

    private static Map<String, RateLimit> tenants(JsonNode v, Map<String, RateLimit> current) {
        requireObject("tenants", v);
        Map<String, RateLimit> out = new HashMap<>(current);
        Iterator<Map.Entry<String, JsonNode>> it = v.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String tenant = e.getKey();
            JsonNode limit = e.getValue();
            if (limit.isNull()) {
                out.remove(tenant);
                continue;
            }
            String where = "tenants." + tenant;
            requireObject(where, limit);
            requireOnly(where, limit, LIMIT_FIELDS);
            if (!limit.has("rate")) {
                throw new IllegalArgumentException(where + ".rate is required");
            }
            double rate = number(where + ".rate", limit.get("rate"));
            // Without an explicit burst a tenant gets one second's worth, so "rate 2/s" bites quickly in demos.
            int burst = limit.has("burst") ? integer(where + ".burst", limit.get("burst"))
                    : (int) Math.max(1, Math.min(Integer.MAX_VALUE, Math.ceil(rate)));
            out.put(tenant, RateLimit.of(rate, burst));
        }
        return out;
    }

    private static List<Integer> statuses(JsonNode v) {
        if (!v.isArray()) {
            throw new IllegalArgumentException("errorStatuses must be an array of 5xx status codes");
        }
        List<Integer> out = new ArrayList<>();
        for (JsonNode s : v) {
            out.add(integer("errorStatuses[]", s));
        }
        return out;
    }

    private static List<TimeWindow> windows(String key, JsonNode v) {
        if (!v.isArray()) {
            throw new IllegalArgumentException(key + " must be an array of {start, duration}");
        }
        if (v.size() > MAX_WINDOWS) {
            throw new IllegalArgumentException(key + " may hold at most " + MAX_WINDOWS + " windows");
        }
        List<TimeWindow> out = new ArrayList<>();
        for (JsonNode w : v) {
            requireObject(key + "[]", w);
            requireOnly(key + "[]", w, WINDOW_FIELDS);
            out.add(TimeWindow.of(duration(key + "[].start", w.get("start")),
                    duration(key + "[].duration", w.get("duration"))));
        }
        return out;
    }

    private static List<TimeWindow> addNow(List<TimeWindow> current, Duration length, long elapsedNanos) {
        List<TimeWindow> out = new ArrayList<>();
        for (TimeWindow w : current) {
            if (!w.isOverAt(elapsedNanos)) { // prune finished windows so the list stays short
                out.add(w);
            }
        }
        if (out.size() >= MAX_WINDOWS) {
            throw new IllegalArgumentException("too many pending windows (max " + MAX_WINDOWS + ")");
        }
        out.add(TimeWindow.of(Duration.ofNanos(Math.max(0, elapsedNanos)), length));
        return out;
    }

    private static Latency latency(String key, JsonNode v) {
        requireObject(key, v);
        requireOnly(key, v, LATENCY_FIELDS);
        double median = v.has("medianMs") ? number(key + ".medianMs", v.get("medianMs")) : 0;
        double sigma = v.has("sigma") ? number(key + ".sigma", v.get("sigma")) : 0;
        return new Latency(median, sigma);
    }

    private static Map<EndpointGroup, Latency> groupLatency(JsonNode v, Map<EndpointGroup, Latency> current) {
        requireObject("groupLatency", v);
        Map<EndpointGroup, Latency> out = new EnumMap<>(EndpointGroup.class);
        out.putAll(current);
        Iterator<Map.Entry<String, JsonNode>> it = v.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            EndpointGroup g = EndpointGroup.parse(e.getKey());
            if (e.getValue().isNull()) {
                out.remove(g);
            } else {
                out.put(g, latency("groupLatency." + e.getKey(), e.getValue()));
            }
        }
        return out;
    }

    private static Duration duration(String key, JsonNode v) {
        if (v == null || v.isNull()) {
            throw new IllegalArgumentException(key + " is required");
        }
        if (v.isTextual()) {
            return Durations.parse(key, v.asText());
        }
        if (v.isIntegralNumber() && v.canConvertToLong() && v.asLong() >= 0) {
            return Duration.ofMillis(v.asLong()); // bare JSON numbers are milliseconds
        }
        throw new IllegalArgumentException(key + " must be a duration like \"5s\" or a number of milliseconds");
    }

    private static boolean bool(String key, JsonNode v) {
        if (!v.isBoolean()) {
            throw new IllegalArgumentException(key + " must be true or false");
        }
        return v.booleanValue();
    }

    private static double number(String key, JsonNode v) {
        if (!v.isNumber()) {
            throw new IllegalArgumentException(key + " must be a number");
        }
        return v.doubleValue();
    }

    private static int integer(String key, JsonNode v) {
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new IllegalArgumentException(key + " must be an integer");
        }
        return v.intValue();
    }

    private static void requireObject(String key, JsonNode v) {
        if (v == null || !v.isObject()) {
            throw new IllegalArgumentException(key + " must be a JSON object");
        }
    }

    private static void requireOnly(String key, JsonNode v, Set<String> allowed) {
        Iterator<String> names = v.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!allowed.contains(name)) {
                throw new IllegalArgumentException("unknown field '" + name + "' in " + key + " (allowed: " + allowed + ")");
            }
        }
    }
}
