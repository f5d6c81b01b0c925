package dev.breakwater.control;

/** Where the effective value of a control came from. */
public enum ControlSource {
  /** An operator set it (admin API or the engine's API); it wins over every health rule. */
  OPERATOR,
  /** A health rule set it from the signals it watches. */
  HEALTH_RULE,
  /** Nobody set it: the built-in default. */
  DEFAULT
}
