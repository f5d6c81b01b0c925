package dev.breakwater.control;

import java.util.Objects;

/**
 * One control at one target: what an entry in the store is keyed by.
 *
 * @param kind   the control
 * @param target what it applies to
 */
public record ControlKey(ControlKind kind, Target target) {

  /** Checks that the control may be set on the target. */
  public ControlKey {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(target, "target");
    if (!kind.appliesTo(target)) {
      throw new IllegalArgumentException(kind.wireName() + " target: " + target + " (expected: "
          + kind.targetsInWords() + ")");
    }
  }

  /** A key. */
  public static ControlKey of(ControlKind kind, Target target) {
    return new ControlKey(kind, target);
  }

  @Override
  public String toString() {
    return kind.wireName() + "@" + target;
  }
}
