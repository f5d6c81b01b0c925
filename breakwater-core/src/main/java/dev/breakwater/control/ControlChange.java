package dev.breakwater.control;

/**
 * A control's effective value at one target changed on this instance.
 *
 * @param key    the control and its target
 * @param from   the value before (the default, or {@code null} for an unforced breaker)
 * @param to     the value now
 * @param source where the new value comes from
 * @param by     who changed it: an admin token's name, a health rule's name, {@code expiry}, or {@code default}
 */
public record ControlChange(ControlKey key, Setting from, Setting to, ControlSource source, String by) {}
