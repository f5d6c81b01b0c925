package dev.breakwater.gateway.config;

import dev.breakwater.Lane;
import java.util.Locale;

/** How a route decides a call's priority {@link Lane}. */
public enum LaneMode {
  /** Every call is interactive. */
  INTERACTIVE,
  /** Every call is batch. */
  BATCH,
  /** From the {@code X-Breakwater-Lane} request header: {@code batch} is batch, anything else interactive. */
  HEADER;

  /** The request header {@link #HEADER} reads. */
  public static final String LANE_HEADER = "X-Breakwater-Lane";

  /** The lane of a call, given the value of {@value #LANE_HEADER} (null when absent). */
  public Lane resolve(String headerValue) {
    switch (this) {
      case BATCH:
        return Lane.BATCH;
      case HEADER:
        return headerValue != null && headerValue.trim().equalsIgnoreCase("batch") ? Lane.BATCH : Lane.INTERACTIVE;
      default:
        return Lane.INTERACTIVE;
    }
  }

  /** The spelling in YAML, such as {@code interactive}. */
  public String yamlName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
