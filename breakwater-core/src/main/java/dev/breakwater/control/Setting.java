package dev.breakwater.control;

import dev.breakwater.Degradation;
import dev.breakwater.fault.FaultSpec;
import dev.breakwater.fault.FaultTarget;
import java.util.Objects;

/**
 * The value of one control. Each kind of control is a record here; a new kind (a fault to inject, say) is a new record
 * and a new {@link ControlKind}, and travels through the same store and propagation.
 */
public sealed interface Setting {

  /** The control this value belongs to. */
  ControlKind kind();

  /** The value as operators write it and as stores keep it; {@link ControlKind#parse} reads it back. */
  String text();

  /** A degradation level. */
  record Level(Degradation level) implements Setting {
    /** Checks the level is present. */
    public Level {
      Objects.requireNonNull(level, "level");
    }

    @Override
    public ControlKind kind() {
      return ControlKind.DEGRADATION;
    }

    @Override
    public String text() {
      return level.name();
    }
  }

  /** A forced circuit-breaker state. */
  record Breaker(BreakerMode mode) implements Setting {
    /** Checks the mode is present. */
    public Breaker {
      Objects.requireNonNull(mode, "mode");
    }

    @Override
    public ControlKind kind() {
      return ControlKind.BREAKER;
    }

    @Override
    public String text() {
      return mode.name();
    }
  }

  /** The kill switch: {@code false} turns the policies off and passes calls through. */
  record Enabled(boolean on) implements Setting {
    @Override
    public ControlKind kind() {
      return ControlKind.ENABLED;
    }

    @Override
    public String text() {
      return Boolean.toString(on);
    }
  }

  /** The share of tenants, 0 to 100 percent, whose calls get the policies; the others pass through. */
  record Rollout(int percent) implements Setting {
    /** Checks the share lies in 0..100. */
    public Rollout {
      if (percent < 0 || percent > 100) {
        throw new IllegalArgumentException("rollout: " + percent + " (expected: a percentage from 0 to 100)");
      }
    }

    @Override
    public ControlKind kind() {
      return ControlKind.ROLLOUT;
    }

    @Override
    public String text() {
      return Integer.toString(percent);
    }
  }

  /** A fault drill on a route or an upstream; its target is the key's, its expiry the entry's. */
  record Fault(FaultSpec spec) implements Setting {
    /** Checks the spec is present. */
    public Fault {
      Objects.requireNonNull(spec, "spec");
    }

    @Override
    public ControlKind kind() {
      return ControlKind.FAULT;
    }

    @Override
    public String text() {
      return spec.text();
    }

    /** The control key a drill of {@code spec} is kept under: one drill per route and per upstream. */
    public static ControlKey keyOf(FaultSpec spec) {
      return ControlKey.of(ControlKind.FAULT, spec.target().scope() == FaultTarget.Scope.ROUTE
          ? Target.route(spec.target().name()) : Target.upstream(spec.target().name()));
    }
  }

  /** The endpoint group (shard) a tenant lives on. */
  record Shard(String group) implements Setting {
    /** Checks the group is named. */
    public Shard {
      if (group == null || group.isBlank()) {
        throw new IllegalArgumentException("shard: no group (expected: the name of an endpoint group)");
      }
    }

    @Override
    public ControlKind kind() {
      return ControlKind.SHARD;
    }

    @Override
    public String text() {
      return group;
    }
  }
}
