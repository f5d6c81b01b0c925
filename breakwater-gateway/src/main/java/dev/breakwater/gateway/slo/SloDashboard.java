package dev.breakwater.gateway.slo;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.breakwater.gateway.config.GatewayConfig;
import dev.breakwater.gateway.config.SloConfig;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a gateway config's {@code slos} as a Grafana dashboard over the same series as {@link SloRules}: per SLO
 * its burn rate, remaining budget and latency percentiles against the objective, then the gateway's resilience
 * signals (outcomes, breakers, throttle gates, retries, bulkheads, rate limits, cache, state store fallback).
 */
public final class SloDashboard {
  /** Grafana's rate window variable; whoever runs a query outside Grafana substitutes a range for it. */
  public static final String RATE_INTERVAL = "$__rate_interval";

  private static final ObjectMapper JSON = new ObjectMapper();

  private SloDashboard() {}

  /** One panel: its title, its kind ({@code stat}, {@code gauge} or {@code timeseries}) and its PromQL queries. */
  public record Panel(String title, String type, String unit, List<String> queries) {
    /** Copies the queries. */
    public Panel {
      queries = List.copyOf(queries);
    }
  }

  /** The panels for every SLO of {@code config}, then the operational ones; throws when it has no SLO. */
  public static List<Panel> panels(GatewayConfig config) {
    if (config.slos().isEmpty()) {
      throw new IllegalArgumentException("the config has no slos section (expected: at least one SLO under slos:,"
          + " see docs/configuration.md)");
    }
    List<Panel> panels = new ArrayList<>();
    for (SloConfig slo : config.slos().values()) {
      String sel = "{slo=\"" + slo.name() + "\"}";
      String window = SloRules.promRange(slo.window());
      String page = SloRules.num(SloRules.BUDGET_BURNS.get(0).rate(slo.window().toHours(), true));
      panels.add(new Panel("SLO " + slo.name() + ": burn rate over 1 h (1 = on budget, " + page + " pages)", "stat",
          "none", List.of("slo:sli_error:ratio_rate1h" + sel + " / slo:error_budget:ratio" + sel)));
      panels.add(new Panel("SLO " + slo.name() + ": error budget remaining over " + window, "gauge", "percentunit",
          List.of("slo:period_error_budget_remaining:ratio" + sel)));
      slo.latencyObjective().ifPresent(l -> {
        String bucket = "sum by (le) (rate(breakwater_call_duration_seconds_bucket{operation=~\""
            + SloRules.operationRegex(config, slo) + "\"}[" + RATE_INTERVAL + "]))";
        List<String> q = new ArrayList<>();
        for (String p : List.of("0.5", "0.95", "0.99")) {
          q.add("histogram_quantile(" + p + ", " + bucket + ")");
        }
        q.add("vector(" + new BigDecimal(l.threshold().toMillis()).movePointLeft(3).stripTrailingZeros()
            .toPlainString() + ")");
        panels.add(new Panel("SLO " + slo.name() + ": latency p50, p95, p99 and the objective's threshold",
            "timeseries", "s", q));
      });
    }
    String r = "[" + RATE_INTERVAL + "]";
    panels.add(new Panel("Calls per second by outcome and source", "timeseries", "reqps",
        List.of("sum by (outcome, source) (rate(breakwater_calls_total" + r + "))")));
    panels.add(new Panel("Calls per second by operation", "timeseries", "reqps",
        List.of("sum by (operation) (rate(breakwater_calls_total" + r + "))")));
    panels.add(new Panel("Circuit breaker state (0 closed, 1 open, 2 half-open)", "timeseries", "none",
        List.of("max by (name) (breakwater_circuit_state)")));
    panels.add(new Panel("Circuit breaker failure rate", "timeseries", "percent",
        List.of("max by (name) (breakwater_circuit_failure_rate)")));
    panels.add(new Panel("Throttle gates closed per second", "timeseries", "ops",
        List.of("sum by (upstream) (rate(breakwater_throttle_closed_total" + r + "))")));
    panels.add(new Panel("Calls held by a closed throttle gate per second", "timeseries", "ops",
        List.of("sum by (upstream) (rate(breakwater_throttle_holds_total" + r + "))")));
    panels.add(new Panel("Retries and exhausted retries per second", "timeseries", "ops",
        List.of("sum by (operation, cause) (rate(breakwater_retry_attempts_total" + r + "))",
            "sum by (operation, why) (rate(breakwater_retry_exhausted_total" + r + "))")));
    panels.add(new Panel("Retries refused by the retry budget per second", "timeseries", "ops",
        List.of("sum by (operation) (rate(breakwater_retry_budget_exhausted_total" + r + "))")));
    panels.add(new Panel("Bulkhead saturation (in flight over capacity, 1 = full) and queue depth", "timeseries",
        "none", List.of("max by (name) (breakwater_bulkhead_active / breakwater_bulkhead_max)",
            "max by (name) (breakwater_bulkhead_queue_depth)")));
    panels.add(new Panel("Rate-limit decisions per second", "timeseries", "ops",
        List.of("sum by (limit, decision) (rate(breakwater_ratelimit_decisions_total" + r + "))")));
    panels.add(new Panel("Cache hit ratio", "timeseries", "percentunit",
        // A hit series exists only after the first hit: fall back to 0 wherever the cache answered at all.
        List.of("(sum by (operation) (rate(breakwater_cache_total{outcome=\"hit\"}" + r + "))"
            + " or 0 * sum by (operation) (rate(breakwater_cache_total" + r + ")))"
            + " / sum by (operation) (rate(breakwater_cache_total" + r + "))")));
    panels.add(new Panel("Redis fallback: state store degraded (1) and decisions on local state", "timeseries",
        "none", List.of("max by (store) (breakwater_state_store_degraded)",
            "sum by (store) (rate(breakwater_state_store_degraded_decisions_total" + r + "))")));
    return panels;
  }

  /** The Grafana dashboard JSON for {@code config}, with a Prometheus data source variable. */
  public static String render(GatewayConfig config) {
    ObjectNode root = JSON.createObjectNode();
    root.put("title", "Breakwater");
    root.put("uid", "breakwater");
    root.put("description", "Generated by `breakwater slo dashboard` from " + config.source().getFileName()
        + ": do not edit, regenerate.");
    root.putArray("tags").add("breakwater").add("slo");
    root.put("schemaVersion", 39);
    root.put("refresh", "30s");
    root.putObject("time").put("from", "now-6h").put("to", "now");
    ObjectNode variable = root.putObject("templating").putArray("list").addObject();
    variable.put("name", "datasource");
    variable.put("label", "Prometheus");
    variable.put("type", "datasource");
    variable.put("query", "prometheus");
    ArrayNode out = root.putArray("panels");
    int id = 1;
    int x = 0;
    int y = 0;
    for (Panel p : panels(config)) {
      int width = p.type().equals("timeseries") ? 12 : 6;
      if (x + width > 24) {
        x = 0;
        y += 8;
      }
      ObjectNode panel = out.addObject();
      panel.put("id", id++);
      panel.put("title", p.title());
      panel.put("type", p.type());
      panel.putObject("datasource").put("type", "prometheus").put("uid", "${datasource}");
      panel.putObject("gridPos").put("x", x).put("y", y).put("w", width).put("h", 8);
      panel.putObject("fieldConfig").putObject("defaults").put("unit", p.unit());
      ArrayNode targets = panel.putArray("targets");
      char ref = 'A';
      for (String q : p.queries()) {
        targets.addObject().put("refId", String.valueOf(ref++)).put("expr", q);
      }
      x += width;
    }
    DefaultPrettyPrinter printer = new DefaultPrettyPrinter().withObjectIndenter(
        new DefaultIndenter("  ", "\n"));
    try {
      return JSON.writer(printer).writeValueAsString(root) + "\n";
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
