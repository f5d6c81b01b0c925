package dev.breakwater.control;

/** Which side of the kill switch and rollout a call falls on; metrics carry it so that the two can be compared. */
public enum Arm {
  /** The policies apply. */
  RESILIENT("resilient"),
  /** The policies are off for this call: it passes through, keeping only the error contract. */
  PASS_THROUGH("pass_through");

  private final String tag;

  Arm(String tag) {
    this.tag = tag;
  }

  /** The metric tag value. */
  public String tag() {
    return tag;
  }
}
