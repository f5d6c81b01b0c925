package dev.breakwater.gateway.slo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.ErrorCode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which outcomes count against an error budget. */
class BudgetOutcomesTest {
  @Test
  void failuresOfTheGatewayOrItsUpstreamAreBad() {
    assertThat(BudgetOutcomes.bad()).containsExactlyInAnyOrder("upstream_error", "timeout", "circuit_open",
        "bulkhead_full", "throttled", "degraded", "read_only", "maintenance");
  }

  @Test
  void refusalsTheCallerCausedAreLeftOutOfTheRatio() {
    assertThat(BudgetOutcomes.notCounted()).containsExactlyInAnyOrder("rate_limited", "invalid_request",
        "auth_required", "consent_required", "idempotency_conflict", "idempotency_mismatch");
    assertThat(BudgetOutcomes.counted()).doesNotContainAnyElementsOf(BudgetOutcomes.notCounted());
  }

  @Test
  void everyErrorCodeIsEitherBadOrLeftOutAndSuccessIsCounted() {
    List<String> all = new ArrayList<>(BudgetOutcomes.bad());
    all.addAll(BudgetOutcomes.notCounted());
    assertThat(all).hasSize(ErrorCode.values().length).doesNotHaveDuplicates();
    assertThat(BudgetOutcomes.counted()).startsWith("success");
  }
}
