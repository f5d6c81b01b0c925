package dev.breakwater.control;

import dev.breakwater.spi.StoreKeys;
import java.util.List;
import java.util.Locale;

/**
 * The one text form of control keys and entries that shared stores keep and publish, built from {@link StoreKeys}
 * parts so no name or token can shift another field. Reading anything else (garbage, a newer layout) fails with
 * {@link IllegalArgumentException}, never with another exception.
 */
public final class ControlCodec {
  private static final String VERSION = "c1";

  private ControlCodec() {}

  /** The text of a key: control, scope, name. */
  public static String key(ControlKey key) {
    return StoreKeys.of(key.kind().wireName(), key.target().scope().name(), key.target().name());
  }

  /** The text of an entry: version, key fields, value, who, when, expiry, revision. */
  public static String entry(ControlEntry e) {
    return StoreKeys.ofParts(VERSION, e.key().kind().wireName(), e.key().target().scope().name(),
        e.key().target().name(), e.setting().text(), e.setBy(), Long.toString(e.setAtMillis()),
        Long.toString(e.expiresAtMillis()), Long.toString(e.revision()));
  }

  /**
   * The text of an entry without its last part, the revision: a store that gives revisions as it writes (in one
   * atomic step) appends {@code <digits of the revision>:<revision>}, the encoding of that part, itself.
   */
  public static String entryBeforeRevision(ControlEntry e) {
    String whole = entry(e.withRevision(0));
    return whole.substring(0, whole.length() - "1:0".length());
  }

  /** Reads {@link #key} text. */
  public static ControlKey readKey(String text) {
    List<String> p = parts(text, 3);
    return key(p, 0);
  }

  /** Reads {@link #entry} text. */
  public static ControlEntry readEntry(String text) {
    List<String> p = parts(text, 9);
    if (!VERSION.equals(p.get(0))) {
      throw new IllegalArgumentException("control entry of another layout: " + p.get(0));
    }
    ControlKey key = key(p, 1);
    try {
      return new ControlEntry(key, key.kind().parse(p.get(4)), required(p.get(5)), Long.parseLong(required(p.get(6))),
          Long.parseLong(required(p.get(7))), Long.parseLong(required(p.get(8))));
    } catch (NumberFormatException | NullPointerException e) {
      throw new IllegalArgumentException("malformed control entry", e);
    }
  }

  private static List<String> parts(String text, int n) {
    if (text == null) {
      throw new IllegalArgumentException("no control text");
    }
    List<String> p = StoreKeys.parts(text);
    if (p.size() != n) {
      throw new IllegalArgumentException("control text with " + p.size() + " parts (expected: " + n + ")");
    }
    return p;
  }

  private static ControlKey key(List<String> p, int at) {
    ControlKind kind = ControlKind.byWireName(p.get(at));
    if (kind == null) {
      throw new IllegalArgumentException("unknown control: " + p.get(at));
    }
    Target.Scope scope;
    try {
      scope = Target.Scope.valueOf(required(p.get(at + 1)).toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new IllegalArgumentException("unknown control scope: " + p.get(at + 1));
    }
    try {
      return new ControlKey(kind, new Target(scope, p.get(at + 2)));
    } catch (NullPointerException e) {
      throw new IllegalArgumentException("malformed control target", e);
    }
  }

  private static String required(String part) {
    if (part == null) {
      throw new IllegalArgumentException("a control field is absent");
    }
    return part;
  }
}
