package dev.breakwater.gateway.fault;

import dev.breakwater.fault.FaultSpec;
import java.util.Objects;

/**
 * A drill in force: a fault with its id, who started it and when it ends by itself.
 *
 * @param id              the drill's id: its name in the config file, or the id the admin API handed out
 * @param spec            what the fault does, to which calls
 * @param origin          where the drill comes from
 * @param startedAtMillis when it started, in epoch millis
 * @param expiresAtMillis when it ends by itself, in epoch millis
 */
public record Fault(String id, FaultSpec spec, Origin origin, long startedAtMillis, long expiresAtMillis) {

  /** Where a drill comes from. */
  public enum Origin {
    /** The config file's {@code faults} section: armed when the file is loaded. */
    CONFIG,
    /** An operator, through the admin API. */
    OPERATOR
  }

  /** Requires an id, a spec and an origin. */
  public Fault {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(origin, "origin");
  }

  /** A drill of {@code spec} starting at {@code nowMillis} and lasting its duration. */
  public static Fault starting(String id, FaultSpec spec, Origin origin, long nowMillis) {
    return new Fault(id, spec, origin, nowMillis, nowMillis + spec.duration().toMillis());
  }

  /** Whether the drill has ended by itself at {@code nowMillis}. */
  public boolean expired(long nowMillis) {
    return nowMillis >= expiresAtMillis;
  }
}
