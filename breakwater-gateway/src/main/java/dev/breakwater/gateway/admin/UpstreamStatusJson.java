package dev.breakwater.gateway.admin;

import dev.breakwater.gateway.http.JsonText;
import dev.breakwater.gateway.upstream.balance.SelectorStatus;
import java.util.Map;

/** The body of {@code GET /admin/upstreams}: per upstream the group in use, the failback step and every endpoint. */
final class UpstreamStatusJson {
  private UpstreamStatusJson() {}

  /**
   * {@code {"upstreams":[{"name":…,"group_in_use":…,"failback":{"group":…,"percent":…}|null,"endpoints":[{"url":…,
   * "group":…,"healthy":…,"ejected":…,"ejected_ms":…,"passed_checks":…,"failures_in_a_row":…}]}]}}.
   */
  static String render(Map<String, SelectorStatus> upstreams) {
    StringBuilder sb = new StringBuilder("{\"upstreams\":[");
    boolean first = true;
    for (Map.Entry<String, SelectorStatus> u : upstreams.entrySet()) {
      SelectorStatus s = u.getValue();
      sb.append(first ? "" : ",").append("{\"name\":").append(JsonText.quote(u.getKey()))
          .append(",\"group_in_use\":").append(JsonText.quote(s.activeGroup())).append(",\"failback\":");
      if (s.failbackGroup() == null) {
        sb.append("null");
      } else {
        sb.append("{\"group\":").append(JsonText.quote(s.failbackGroup())).append(",\"percent\":")
            .append(s.failbackPercent()).append('}');
      }
      sb.append(",\"endpoints\":[");
      for (int i = 0; i < s.endpoints().size(); i++) {
        SelectorStatus.Endpoint e = s.endpoints().get(i);
        sb.append(i == 0 ? "" : ",").append("{\"url\":").append(JsonText.quote(e.url()))
            .append(",\"group\":").append(JsonText.quote(e.group()))
            .append(",\"healthy\":").append(e.healthy()).append(",\"ejected\":").append(e.ejected())
            .append(",\"ejected_ms\":").append(e.ejectedMillis())
            .append(",\"passed_checks\":").append(e.passedChecks())
            .append(",\"failures_in_a_row\":").append(e.failuresInARow()).append('}');
      }
      sb.append("]}");
      first = false;
    }
    return sb.append("]}").toString();
  }
}
