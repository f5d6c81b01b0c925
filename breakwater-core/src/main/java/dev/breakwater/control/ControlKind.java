package dev.breakwater.control;

import dev.breakwater.Degradation;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The controls an operator or a health rule can set, each with its default and the targets it may apply to. */
public enum ControlKind {
  /** The degradation level (global, per upstream, per route). */
  DEGRADATION("degradation", new Setting.Level(Degradation.NORMAL), true, ControlKind::level),
  /** A forced circuit-breaker state (per upstream only: breakers belong to upstreams). */
  BREAKER("breaker", null, false, ControlKind::breaker),
  /** The kill switch (global, per upstream, per route). */
  ENABLED("enabled", new Setting.Enabled(true), true, ControlKind::enabled),
  /** The rollout share (global, per upstream, per route). */
  ROLLOUT("rollout", new Setting.Rollout(100), true, ControlKind::rollout),
  /** A fault drill (per upstream or per route; none by default). */
  FAULT("fault", null, false, text -> new Setting.Fault(dev.breakwater.fault.FaultSpec.parse(text))),
  /** The shard (endpoint group) a tenant lives on, in every sharded upstream that has a group of that name. */
  SHARD("shard", null, false, Setting.Shard::new);

  private final String wireName;
  private final Setting defaultSetting;
  private final boolean anyTarget;
  private final Function<String, Setting> parser;

  ControlKind(String wireName, Setting defaultSetting, boolean anyTarget, Function<String, Setting> parser) {
    this.wireName = wireName;
    this.defaultSetting = defaultSetting;
    this.anyTarget = anyTarget;
    this.parser = parser;
  }

  /** The name in the admin API, in configuration and in stores ({@code degradation}, {@code breaker}, ...). */
  public String wireName() {
    return wireName;
  }

  /** The value in force when nobody set one; {@code null} for a breaker (it follows its own state machine). */
  public Setting defaultSetting() {
    return defaultSetting;
  }

  /** Whether this control may be set on {@code target}. */
  public boolean appliesTo(Target target) {
    if (this == SHARD || target.scope() == Target.Scope.TENANT) {
      return this == SHARD && target.scope() == Target.Scope.TENANT;
    }
    return anyTarget || target.scope() == Target.Scope.UPSTREAM
        || this == FAULT && target.scope() == Target.Scope.ROUTE;
  }

  /** What {@link #appliesTo} accepts, in words. */
  public String targetsInWords() {
    return anyTarget ? "global, upstream:NAME or route:NAME" : this == FAULT ? "upstream:NAME or route:NAME"
        : this == SHARD ? "tenant:NAME" : "upstream:NAME";
  }

  /** Reads a value of this control as {@link Setting#text()} writes it; fails with a message saying what was wrong. */
  public Setting parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException(wireName + ": no value (expected: " + expected() + ")");
    }
    return parser.apply(text.trim());
  }

  /** The values this control accepts, in words. */
  public String expected() {
    switch (this) {
      case DEGRADATION:
        return "one of " + names(Degradation.values());
      case BREAKER:
        return "one of " + names(BreakerMode.values());
      case ENABLED:
        return "true or false";
      case FAULT:
        return "a fault drill";
      case SHARD:
        return "the name of an endpoint group";
      default:
        return "a whole percentage from 0 to 100";
    }
  }

  /** The control of a wire name, or {@code null}. */
  public static ControlKind byWireName(String name) {
    for (ControlKind k : values()) {
      if (k.wireName.equals(name)) {
        return k;
      }
    }
    return null;
  }

  private static String names(Enum<?>[] values) {
    return Arrays.stream(values).map(v -> v.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", "));
  }

  private static Setting level(String text) {
    return new Setting.Level(constant(Degradation.class, text, DEGRADATION));
  }

  private static Setting breaker(String text) {
    return new Setting.Breaker(constant(BreakerMode.class, text, BREAKER));
  }

  private static Setting enabled(String text) {
    if (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false")) {
      return new Setting.Enabled(Boolean.parseBoolean(text.toLowerCase(Locale.ROOT)));
    }
    throw new IllegalArgumentException("enabled: " + text + " (expected: true or false)");
  }

  private static Setting rollout(String text) {
    try {
      return new Setting.Rollout(Integer.parseInt(text));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("rollout: " + text + " (expected: a whole percentage from 0 to 100)");
    }
  }

  private static <E extends Enum<E>> E constant(Class<E> type, String text, ControlKind kind) {
    try {
      return Enum.valueOf(type, text.toUpperCase(Locale.ROOT).replace('-', '_'));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(kind.wireName + ": " + text + " (expected: " + kind.expected() + ")");
    }
  }
}
