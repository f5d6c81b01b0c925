package dev.breakwater.gateway.admin;

import dev.breakwater.gateway.http.JsonText;
import dev.breakwater.gateway.slo.BudgetTracker;
import java.util.List;
import java.util.Map;

/** The body of {@code GET /admin/slos}: per objective and SLI, the objective, burn per window and budget left. */
final class SloStatusJson {
  private SloStatusJson() {}

  /** {@code {"slos":[{"name":…,"window_seconds":…,"slis":[{"sli":…,"objective":…,"windows":{"5m":{…}}}]}]}}. */
  static String render(List<BudgetTracker.Slo> slos) {
    StringBuilder sb = new StringBuilder("{\"slos\":[");
    for (int i = 0; i < slos.size(); i++) {
      BudgetTracker.Slo slo = slos.get(i);
      sb.append(i == 0 ? "" : ",").append("{\"name\":").append(JsonText.quote(slo.name()))
          .append(",\"window_seconds\":").append(slo.window().toSeconds()).append(",\"slis\":[");
      for (int j = 0; j < slo.slis().size(); j++) {
        BudgetTracker.Sli sli = slo.slis().get(j);
        sb.append(j == 0 ? "" : ",").append("{\"sli\":").append(JsonText.quote(sli.sli()))
            .append(",\"objective\":").append(number(sli.objective()));
        if (sli.threshold() != null) {
          sb.append(",\"threshold_ms\":").append(sli.threshold().toMillis());
        }
        sb.append(",\"budget_remaining\":").append(number(sli.budgetRemaining())).append(",\"windows\":{");
        boolean first = true;
        for (Map.Entry<String, BudgetTracker.Window> w : sli.windows().entrySet()) {
          sb.append(first ? "" : ",").append(JsonText.quote(w.getKey())).append(":{\"error_ratio\":")
              .append(number(w.getValue().errorRatio())).append(",\"burn_rate\":")
              .append(number(w.getValue().burnRate())).append('}');
          first = false;
        }
        sb.append("}}");
      }
      sb.append("]}");
    }
    return sb.append("]}").toString();
  }

  /** A JSON number; JSON has no NaN or infinity, so those become null. */
  private static String number(double d) {
    return Double.isFinite(d) ? Double.toString(d) : "null";
  }
}
