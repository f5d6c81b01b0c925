package dev.breakwater.fault;

import dev.breakwater.config.Checks;
import dev.breakwater.config.ConfigException;
import dev.breakwater.config.Durations;
import dev.breakwater.spi.StoreKeys;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * What a drill does: which calls it may hit (a target, optionally only a tenant's or those carrying a header), what
 * share of their attempts, what it does to them, and for how long. Valid by construction: a field that does not fit
 * the kind is refused rather than ignored, so that a drill never does less than its author meant.
 *
 * @param kind       what the fault does
 * @param target     the route or upstream whose calls it may hit
 * @param delay      how long a {@link FaultKind#DELAY} holds each attempt; null for the other kinds
 * @param status     the status an {@link FaultKind#ERROR} answers (400 to 599); 0 for the other kinds
 * @param retryAfter the {@code Retry-After} a {@link FaultKind#THROTTLE} answers, in whole seconds; null otherwise
 * @param percent    the share of matching attempts hit, 0 to 100, each drawn at random
 * @param tenant     only this tenant's calls, or null for every tenant's
 * @param header     only calls carrying this header value, or null for every call
 * @param duration   how long the drill lasts once started, at most {@link #MAX_DURATION}
 */
public record FaultSpec(FaultKind kind, FaultTarget target, Duration delay, int status, Duration retryAfter,
    double percent, String tenant, HeaderMatch header, Duration duration) {

  /** The longest a drill may last: a forgotten one ends by itself within the hour. */
  public static final Duration MAX_DURATION = Duration.ofHours(1);
  /** How long a drill lasts when its author does not say. */
  public static final Duration DEFAULT_DURATION = Duration.ofMinutes(10);
  /** The status an error fault answers when its author does not say. */
  public static final int DEFAULT_STATUS = 503;
  /** The {@code Retry-After} a throttle fault answers when its author does not say. */
  public static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(1);

  private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
  private static final Pattern VISIBLE = Pattern.compile("[\\x21-\\x7e]([\\x20-\\x7e]*[\\x21-\\x7e])?");
  private static final String LAYOUT = "f1";
  private static final String UP_TO_AN_HOUR = "a positive duration of at most 1h, such as ";

  /**
   * A request header a fault's calls must carry.
   *
   * @param name  the header's name (matched without regard to case)
   * @param value the value it must have (matched exactly)
   */
  public record HeaderMatch(String name, String value) {
    /** Requires an HTTP header name and a value of visible ASCII characters. */
    public HeaderMatch {
      Checks.check(name != null && TOKEN.matcher(name).matches(), "header.name", name,
          "an HTTP header name such as X-Drill");
      Checks.check(value != null && VISIBLE.matcher(value).matches(), "header.value", value,
          "a value of visible ASCII characters");
    }
  }

  /** Checks every field against the kind; see {@link #of} for the defaults. */
  public FaultSpec {
    Checks.present("kind", kind);
    if (target == null) {
      throw new ConfigException("route", null, "exactly one of route and upstream");
    }
    if (kind == FaultKind.DELAY) {
      Checks.check(delay != null && !delay.isNegative() && !delay.isZero() && delay.compareTo(MAX_DURATION) <= 0,
          "delay", delay == null ? null : Durations.format(delay), UP_TO_AN_HOUR + "2s");
    } else {
      only(delay == null, "delay", delay == null ? null : Durations.format(delay), FaultKind.DELAY);
    }
    if (kind == FaultKind.ERROR) {
      Checks.check(status >= 400 && status <= 599, "status", status, "an HTTP error status from 400 to 599");
    } else {
      only(status == 0, "status", status, FaultKind.ERROR);
    }
    if (kind == FaultKind.THROTTLE) {
      Checks.check(retryAfter != null && retryAfter.compareTo(Duration.ofSeconds(1)) >= 0
          && retryAfter.compareTo(MAX_DURATION) <= 0 && retryAfter.equals(Duration.ofSeconds(retryAfter.toSeconds())),
          "retryAfter", retryAfter == null ? null : Durations.format(retryAfter),
          "whole seconds from 1s to 1h, such as 5s");
    } else {
      only(retryAfter == null, "retryAfter", retryAfter == null ? null : Durations.format(retryAfter),
          FaultKind.THROTTLE);
    }
    Checks.check(percent >= 0 && percent <= 100, "percent", percent, "a percentage from 0 to 100");
    Checks.check(tenant == null || !tenant.isBlank(), "tenant", tenant, "a tenant name");
    Checks.check(duration != null && !duration.isNegative() && !duration.isZero()
        && duration.compareTo(MAX_DURATION) <= 0, "duration", duration == null ? null : Durations.format(duration),
        UP_TO_AN_HOUR + "10m (the default)");
  }

  private static void only(boolean absent, String field, Object value, FaultKind kind) {
    Checks.check(absent, field, value, "no " + field + ": it applies to kind " + kind.spelling() + " only");
  }

  /**
   * A fault with the defaults filled in for what its author left out (null): the status of an error (503), the
   * {@code Retry-After} of a throttle (1s), the percent (100) and the duration (10 minutes).
   */
  public static FaultSpec of(FaultKind kind, FaultTarget target, Duration delay, Integer status, Duration retryAfter,
      Double percent, String tenant, HeaderMatch header, Duration duration) {
    return new FaultSpec(kind, target, delay,
        status != null ? status : kind == FaultKind.ERROR ? DEFAULT_STATUS : 0,
        retryAfter != null ? retryAfter : kind == FaultKind.THROTTLE ? DEFAULT_RETRY_AFTER : null,
        percent != null ? percent : 100, tenant, header, duration != null ? duration : DEFAULT_DURATION);
  }

  /**
   * Whether a call on {@code route} to {@code upstream}, by {@code callerTenant}, with these request headers, is one
   * this fault may hit (before the draw of its percent).
   */
  public boolean selects(String route, String upstream, String callerTenant, Function<String, String> headers) {
    return target.covers(route, upstream)
        && (tenant == null || tenant.equals(callerTenant))
        && (header == null || header.value().equals(headers.apply(header.name())));
  }

  /** The fault in words, for log lines: kind, parameters, target, selection and share. */
  public String describe() {
    StringBuilder sb = new StringBuilder(kind.spelling());
    switch (kind) {
      case DELAY -> sb.append(' ').append(Durations.format(delay));
      case ERROR -> sb.append(' ').append(status);
      case THROTTLE -> sb.append(" 429 Retry-After ").append(retryAfter.toSeconds());
      default -> { }
    }
    sb.append(" on ").append(target.scope().key()).append(' ').append(target.name());
    if (tenant != null) {
      sb.append(" for tenant ").append(tenant);
    }
    if (header != null) {
      sb.append(" with ").append(header.name()).append(": ").append(header.value());
    }
    return sb.append(", ").append(percent).append("% of attempts").toString();
  }

  /** The spec as stores keep it, each field a {@link StoreKeys} part; {@link #parse} reads it back. */
  public String text() {
    return StoreKeys.ofParts(LAYOUT, target.scope().name(), target.name(), kind.name(),
        delay == null ? null : Durations.format(delay), Integer.toString(status),
        retryAfter == null ? null : Durations.format(retryAfter), Double.toString(percent), tenant,
        header == null ? null : header.name(), header == null ? null : header.value(), Durations.format(duration));
  }

  /**
   * Reads {@link #text()}; anything else (garbage, another layout, a value out of bounds) fails with an
   * {@link IllegalArgumentException} saying what was wrong, never with another exception.
   */
  public static FaultSpec parse(String text) {
    List<String> p;
    try {
      p = text == null ? List.of() : StoreKeys.parts(text);
    } catch (IllegalArgumentException e) {
      p = List.of();
    }
    if (p.size() != 12 || !LAYOUT.equals(p.get(0))) {
      throw new IllegalArgumentException("fault: not a fault setting of layout " + LAYOUT);
    }
    try {
      HeaderMatch header = p.get(9) == null && p.get(10) == null ? null : new HeaderMatch(p.get(9), p.get(10));
      return new FaultSpec(FaultKind.valueOf(p.get(3)), new FaultTarget(FaultTarget.Scope.valueOf(p.get(1)),
          p.get(2)), Durations.parse(p.get(4)), Integer.parseInt(p.get(5)), Durations.parse(p.get(6)),
          Double.parseDouble(p.get(7)), p.get(8), header, Durations.parse(p.get(11)));
    } catch (ConfigException e) {
      throw new IllegalArgumentException("fault: " + e.getMessage(), e);
    } catch (IllegalArgumentException | NullPointerException e) { // an unknown name, a malformed number
      throw new IllegalArgumentException("fault: a malformed fault setting", e);
    }
  }
}
