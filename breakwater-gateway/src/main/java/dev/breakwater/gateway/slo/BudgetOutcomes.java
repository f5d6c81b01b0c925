package dev.breakwater.gateway.slo;

import dev.breakwater.ErrorCode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Which call outcomes count against an error budget: the one place this is decided. Failures of the gateway or its
 * upstream are bad; refusals the caller caused (its own rate limit, a malformed request, missing credentials or
 * consent, an idempotency key misuse) are left out of the ratio entirely; {@code success} is good.
 */
public final class BudgetOutcomes {
  /** The {@code outcome} label of a successful call. */
  public static final String SUCCESS = "success";

  private BudgetOutcomes() {}

  /** Whether an error code counts against the budget (true) or is left out as the caller's doing (false). */
  public static boolean isBad(ErrorCode code) {
    // An exhaustive switch: a new ErrorCode does not compile until it is classified here.
    return switch (code) {
      case UPSTREAM_ERROR, TIMEOUT, CIRCUIT_OPEN, BULKHEAD_FULL, THROTTLED, DEGRADED, READ_ONLY, MAINTENANCE -> true;
      case RATE_LIMITED, INVALID_REQUEST, AUTH_REQUIRED, CONSENT_REQUIRED, IDEMPOTENCY_CONFLICT,
          IDEMPOTENCY_MISMATCH -> false;
    };
  }

  /** The {@code outcome} label values that count against the budget, in ErrorCode order. */
  public static List<String> bad() {
    List<String> out = new ArrayList<>();
    for (ErrorCode c : ErrorCode.values()) {
      if (isBad(c)) {
        out.add(label(c));
      }
    }
    return List.copyOf(out);
  }

  /** The {@code outcome} label values left out of the ratio (the caller caused them), in ErrorCode order. */
  public static List<String> notCounted() {
    List<String> out = new ArrayList<>();
    for (ErrorCode c : ErrorCode.values()) {
      if (!isBad(c)) {
        out.add(label(c));
      }
    }
    return List.copyOf(out);
  }

  /** The {@code outcome} label values of every counted call: {@code success} and the bad ones. */
  public static List<String> counted() {
    List<String> out = new ArrayList<>();
    out.add(SUCCESS);
    out.addAll(bad());
    return List.copyOf(out);
  }

  /** The {@code outcome} label of an error code, as the metrics publish it. */
  public static String label(ErrorCode code) {
    return code.name().toLowerCase(Locale.ROOT);
  }
}
