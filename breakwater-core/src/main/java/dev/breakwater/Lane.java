package dev.breakwater;

/** The priority lane of a call: batch work can never take the share of a bulkhead reserved for interactive work. */
public enum Lane {
  /** A user is waiting for the answer. */
  INTERACTIVE,
  /** Background work that can wait. */
  BATCH
}
