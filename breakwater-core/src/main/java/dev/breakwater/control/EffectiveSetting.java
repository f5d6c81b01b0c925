package dev.breakwater.control;

/**
 * The value of a control in force at a target, and where it came from, for operators reading the state back.
 *
 * @param key             the control and its target
 * @param setting         the value in force; {@code null} for a breaker nobody forces
 * @param source          operator, health rule, or the default
 * @param setBy           who set it (token or rule name), {@code null} for the default
 * @param expiresAtMillis when an operator's setting lapses, 0 for never
 */
public record EffectiveSetting(ControlKey key, Setting setting, ControlSource source, String setBy,
    long expiresAtMillis) {}
