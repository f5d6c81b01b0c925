package dev.breakwater.gateway.config;

import dev.breakwater.config.Durations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * Reads a composed YAML node tree against {@link Shape}: typed values with defaults, environment substitution in
 * scalar values, and a problem (file, line, path, value, expectation) for everything wrong, collected rather than
 * thrown.
 */
final class YamlReader {
  private static final Pattern INTEGER = Pattern.compile("[-+]?\\d+");
  private static final Pattern NUMBER = Pattern.compile("[-+]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][-+]?\\d+)?");
  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Set<String> NULLS = Set.of("", "~", "null", "Null", "NULL");
  private static final String MERGE_KEY = "<<";

  private final String file;
  private final Function<String, String> env;
  private final List<Problem> problems = new ArrayList<>();
  private final Map<ScalarNode, String> substituted = new IdentityHashMap<>();
  private final Map<ScalarNode, Boolean> failedSubstitution = new IdentityHashMap<>();
  private final Map<Shape.Obj, Set<String>> keysRead = new IdentityHashMap<>();

  YamlReader(String file, Function<String, String> env) {
    this.file = file;
    this.env = env;
  }

  /** The keys of each object shape that were asked for (present or not), so tests can check none is ignored. */
  Map<Shape.Obj, Set<String>> keysRead() {
    return keysRead;
  }

  /** The problems found so far. */
  List<Problem> problems() {
    return problems;
  }

  /** Records a problem at a line. */
  void problem(int line, String path, String message) {
    problems.add(new Problem(file, line, path, message));
  }

  /** The 1-based line a node starts on, or 0 when unknown. */
  static int line(Node n) {
    return n == null ? 0 : n.getStartMark().map(m -> m.getLine() + 1).orElse(0);
  }

  /** Whether a node is YAML's null (absent, {@code ~}, {@code null} or empty, unquoted). */
  static boolean isNull(Node n) {
    return n == null || n instanceof ScalarNode s && s.isPlain() && NULLS.contains(s.getValue());
  }

  /** A value at a path, whose problems are reported at {@code line}. */
  Value value(String path, Node node, int line) {
    return new Value(this, path, node, line);
  }

  /** Reads a mapping against an object shape, reporting unknown and duplicate keys. */
  Mapping mapping(String path, Node node, int line, Shape.Obj shape) {
    return new Mapping(this, path, node, line, shape);
  }

  /** The closest candidate within an edit distance of 2 (ignoring case), or null. */
  static String suggest(String given, Collection<String> candidates) {
    String best = null;
    int bestDistance = 3;
    String g = given.toLowerCase(Locale.ROOT);
    for (String c : candidates) {
      int d = distance(g, c.toLowerCase(Locale.ROOT));
      if (d < bestDistance) {
        best = c;
        bestDistance = d;
      }
    }
    return best;
  }

  /** {@code one of [a, b]}, with {@code ; did you mean "a"?} when one is close to {@code given}. */
  static String oneOf(String given, Collection<String> candidates) {
    String s = "one of " + candidates;
    String suggestion = given == null ? null : suggest(given, candidates);
    return suggestion == null || suggestion.equals(given) ? s : s + "; did you mean \"" + suggestion + "\"?";
  }

  /** The Levenshtein distance of two strings. */
  static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  /** A string for messages: quoted and escaped like JSON. */
  static String quote(String s) {
    return dev.breakwater.gateway.http.JsonText.quote(s);
  }

  /** The text of a scalar after environment substitution, or null when substitution failed (reported once). */
  String text(ScalarNode n, String path) {
    String done = substituted.get(n);
    if (done != null) {
      return done;
    }
    if (failedSubstitution.containsKey(n)) {
      return null;
    }
    String v = n.getValue();
    String result = v.indexOf('$') < 0 ? v : substitute(v, n, path);
    if (result == null) {
      failedSubstitution.put(n, Boolean.TRUE);
    } else {
      substituted.put(n, result);
    }
    return result;
  }

  /**
   * Replaces {@code ${NAME}} with the variable's value and {@code ${NAME:-default}} with its value unless unset or
   * empty, else the default; {@code $${} stands for a literal {@code ${}. Null (after a problem) when a variable
   * without default is unset or a reference is malformed.
   */
  private String substitute(String v, ScalarNode n, String path) {
    StringBuilder sb = new StringBuilder();
    boolean ok = true;
    int i = 0;
    while (i < v.length()) {
      char c = v.charAt(i);
      if (c == '$' && v.startsWith("$${", i)) {
        sb.append("${");
        i += 3;
      } else if (c == '$' && v.startsWith("${", i)) {
        int close = v.indexOf('}', i + 2);
        if (close < 0) {
          problem(line(n), path, quote(v) + " (expected: ${NAME} or ${NAME:-default} closed by '}')");
          return null;
        }
        String ref = v.substring(i + 2, close);
        int sep = ref.indexOf(":-");
        String name = sep < 0 ? ref : ref.substring(0, sep);
        String dflt = sep < 0 ? null : ref.substring(sep + 2);
        if (!ENV_NAME.matcher(name).matches()) {
          problem(line(n), path, quote("${" + ref + "}")
              + " (expected: ${NAME} or ${NAME:-default}, NAME of letters, digits and _)");
          ok = false;
        } else {
          String value = env.apply(name);
          if (value == null || value.isEmpty() && dflt != null) {
            if (dflt == null) {
              problem(line(n), path, quote("${" + ref + "}") + " (expected: environment variable " + name
                  + " to be set, or a default as in ${" + name + ":-value})");
              ok = false;
            } else {
              sb.append(dflt);
            }
          } else {
            sb.append(value);
          }
        }
        i = close + 1;
      } else {
        sb.append(c);
        i++;
      }
    }
    return ok ? sb.toString() : null;
  }

  /** One value (scalar, mapping or list) at a path, with typed views that report problems and return null. */
  static final class Value {
    final YamlReader r;
    final String path;
    final Node node;
    final int line;

    Value(YamlReader r, String path, Node node, int line) {
      this.r = r;
      this.path = path;
      this.node = node;
      this.line = line;
    }

    /** Whether the value is YAML's null. */
    boolean isNull() {
      return YamlReader.isNull(node);
    }

    /** Records a problem about this value. */
    void problem(String expected) {
      r.problem(line, path, render() + " (expected: " + expected + ")");
    }

    /** Records a problem about this value with a message of its own. */
    void problemMessage(String message) {
      r.problem(line, path, message);
    }

    /** The value as messages show it: quoted text (substituted), a bare number or boolean, or its kind. */
    String render() {
      if (node instanceof MappingNode) {
        return "a mapping";
      }
      if (node instanceof SequenceNode) {
        return "a list";
      }
      if (node == null) {
        return "null";
      }
      ScalarNode s = (ScalarNode) node;
      String t = r.substituted.getOrDefault(s, s.getValue());
      if (s.isPlain() && (NUMBER.matcher(t).matches() || t.equals("true") || t.equals("false"))) {
        return t;
      }
      return quote(t);
    }

    /** The scalar's text after substitution; reports and returns null for a mapping, a list or failed substitution. */
    String scalar(String expected) {
      if (!(node instanceof ScalarNode s)) {
        problem(expected);
        return null;
      }
      return r.text(s, path);
    }

    /** A non-blank string. */
    String string() {
      String t = scalar("a string");
      if (t != null && t.isBlank()) {
        problem("a non-blank string");
        return null;
      }
      return t;
    }

    /** An integer in {@code [min, max]}. */
    Long integer(long min, long max, String expected) {
      String t = scalar(expected);
      if (t == null) {
        return null;
      }
      t = t.trim();
      if (!INTEGER.matcher(t).matches()) {
        problem(expected);
        return null;
      }
      long v;
      try {
        v = Long.parseLong(t.startsWith("+") ? t.substring(1) : t);
      } catch (NumberFormatException e) {
        problem(expected);
        return null;
      }
      if (v < min || v > max) {
        problem(expected);
        return null;
      }
      return v;
    }

    /** A number. */
    Double number() {
      String t = scalar("a number");
      if (t == null) {
        return null;
      }
      if (!NUMBER.matcher(t.trim()).matches()) {
        problem("a number");
        return null;
      }
      return Double.parseDouble(t.trim());
    }

    /** {@code true} or {@code false}. */
    Boolean bool() {
      String t = scalar("true or false");
      if (t == null) {
        return null;
      }
      if (t.equalsIgnoreCase("true")) {
        return Boolean.TRUE;
      }
      if (t.equalsIgnoreCase("false")) {
        return Boolean.FALSE;
      }
      problem("true or false");
      return null;
    }

    /** A duration such as {@code 250ms}. */
    Duration duration() {
      String t = scalar(Durations.EXPECTED);
      if (t == null) {
        return null;
      }
      Duration d = Durations.parse(t);
      if (d == null) {
        problem(Durations.EXPECTED);
      }
      return d;
    }

    /** One of {@code options} (by its YAML spelling), suggesting the closest on a miss. */
    <E> E choice(Map<String, E> options) {
      String t = scalar("one of " + options.keySet());
      if (t == null) {
        return null;
      }
      E e = options.get(t);
      if (e == null) {
        problem(oneOf(t, options.keySet()));
      }
      return e;
    }

    /** The items of a list, or null (reported) when this is not a list. */
    List<Value> items(String expected) {
      if (!(node instanceof SequenceNode seq)) {
        problem(expected);
        return null;
      }
      List<Value> out = new ArrayList<>();
      List<Node> nodes = seq.getValue();
      for (int i = 0; i < nodes.size(); i++) {
        Node item = nodes.get(i);
        int itemLine = line(item);
        out.add(new Value(r, path + "[" + i + "]", item, itemLine == 0 ? line : itemLine));
      }
      return out;
    }

    /** The value as a mapping of the given shape (null counts as an empty mapping); null when not a mapping. */
    Mapping mapping(Shape.Obj shape) {
      if (node != null && !isNull() && !(node instanceof MappingNode)) {
        problem("a mapping with keys " + shape.keys());
        return null;
      }
      return new Mapping(r, path, node, line, shape);
    }

    /** The entries of a mapping of user-chosen names, in file order; null (reported) when not a mapping. */
    List<Named> named(String expected) {
      if (isNull()) {
        return List.of();
      }
      if (!(node instanceof MappingNode m)) {
        problem(expected);
        return null;
      }
      List<Named> out = new ArrayList<>();
      Map<String, Integer> seen = new LinkedHashMap<>();
      for (NodeTuple t : Mapping.expandMerges(r, path, m)) {
        Node k = t.getKeyNode();
        int keyLine = line(k);
        if (!(k instanceof ScalarNode ks) || YamlReader.isNull(k)) {
          r.problem(keyLine, path, "a " + (k instanceof MappingNode ? "mapping" : "list or null")
              + " as a key (expected: " + expected + ")");
          continue;
        }
        String name = ks.getValue();
        String p = path + "." + name;
        Integer first = seen.putIfAbsent(name, keyLine);
        if (first != null) {
          r.problem(keyLine, p, "duplicate name (expected: each name once; first at line " + first + ")");
          continue;
        }
        out.add(new Named(name, keyLine, new Value(r, p, t.getValueNode(), keyLine)));
      }
      return out;
    }
  }

  /** An entry of a mapping of user-chosen names. */
  record Named(String name, int keyLine, Value value) {}

  /**
   * A mapping read against an object shape: keys not in the shape are reported (with a suggestion), duplicate keys
   * too, and merge keys ({@code <<: *anchor}) are expanded. Getters return the default for an absent or null key,
   * and note in {@link #failed()} whether any of this mapping's own values was wrong.
   */
  static final class Mapping {
    final YamlReader r;
    final String path;
    final int line;
    final Shape.Obj shape;
    private final Map<String, NodeTuple> entries = new LinkedHashMap<>();
    private boolean failed;

    Mapping(YamlReader r, String path, Node node, int line, Shape.Obj shape) {
      this.r = r;
      this.path = path;
      this.line = line;
      this.shape = shape;
      if (!(node instanceof MappingNode m)) {
        return;
      }
      Map<String, Integer> seen = new LinkedHashMap<>();
      for (NodeTuple t : expandMerges(r, path, m)) {
        Node k = t.getKeyNode();
        int keyLine = line(k);
        if (!(k instanceof ScalarNode ks) || isNull(k)) {
          r.problem(keyLine, path, "a " + (k instanceof MappingNode ? "mapping" : "list or null")
              + " as a key (expected: one of " + shape.keys() + ")");
          continue;
        }
        String key = ks.getValue();
        String p = join(path, key);
        if (!shape.fields().containsKey(key)) {
          String suggestion = suggest(key, shape.keys());
          r.problem(keyLine, p, "unknown key (expected: one of " + shape.keys()
              + (suggestion == null ? "" : "; did you mean \"" + suggestion + "\"?") + ")");
          continue;
        }
        Integer first = seen.putIfAbsent(key, keyLine);
        if (first != null) {
          r.problem(keyLine, p, "duplicate key (expected: each key once; first at line " + first + ")");
          continue;
        }
        entries.put(key, t);
      }
    }

    /**
     * The mapping's entries with merge keys expanded: entries of the merged mappings come first and give way to the
     * mapping's own entries of the same key.
     */
    static List<NodeTuple> expandMerges(YamlReader r, String path, MappingNode m) {
      return expandMerges(r, path, m, java.util.Collections.newSetFromMap(new IdentityHashMap<>()));
    }

    private static List<NodeTuple> expandMerges(YamlReader r, String path, MappingNode m, Set<Node> visiting) {
      List<NodeTuple> own = new ArrayList<>();
      if (!visiting.add(m)) {
        r.problem(line(m), join(path, MERGE_KEY), "a mapping that merges itself (expected: a merge of other"
            + " mappings)");
        return own;
      }
      List<NodeTuple> merged = new ArrayList<>();
      for (NodeTuple t : m.getValue()) {
        if (t.getKeyNode() instanceof ScalarNode k && k.isPlain() && k.getValue().equals(MERGE_KEY)) {
          Node v = t.getValueNode();
          List<Node> sources = v instanceof SequenceNode s ? s.getValue() : List.of(v);
          for (Node src : sources) {
            if (src instanceof MappingNode sm) {
              merged.addAll(expandMerges(r, path, sm, visiting));
            } else {
              r.problem(line(src), join(path, MERGE_KEY), "a " + (src instanceof SequenceNode ? "list" : "scalar")
                  + " (expected: a mapping or a list of mappings to merge, such as *defaults)");
            }
          }
        } else {
          own.add(t);
        }
      }
      visiting.remove(m);
      if (merged.isEmpty()) {
        return own;
      }
      Set<String> ownKeys = new java.util.HashSet<>();
      for (NodeTuple t : own) {
        if (t.getKeyNode() instanceof ScalarNode k) {
          ownKeys.add(k.getValue());
        }
      }
      List<NodeTuple> out = new ArrayList<>();
      Set<String> mergedKeys = new java.util.HashSet<>();
      for (NodeTuple t : merged) {
        if (t.getKeyNode() instanceof ScalarNode k && !ownKeys.contains(k.getValue())
            && mergedKeys.add(k.getValue())) {
          out.add(t);
        }
      }
      out.addAll(own);
      return out;
    }

    static String join(String path, String key) {
      return path.isEmpty() ? key : path + "." + key;
    }

    /** Whether any of this mapping's own values was wrong or missing. */
    boolean failed() {
      return failed;
    }

    /** Marks this mapping as failed (for checks made outside its getters). */
    void fail() {
      failed = true;
    }

    /** Whether the key is present with a non-null value. */
    boolean has(String key) {
      checkKnown(key);
      NodeTuple t = entries.get(key);
      return t != null && !isNull(t.getValueNode());
    }

    /** The value of a key, or null when absent. */
    Value value(String key) {
      checkKnown(key);
      NodeTuple t = entries.get(key);
      if (t == null) {
        return null;
      }
      // Problems about a value are reported at its key's line: a block mapping or list value starts on the next.
      return new Value(r, join(path, key), t.getValueNode(), line(t.getKeyNode()));
    }

    /** Records that a required key is missing. */
    void missing(String key, String expected) {
      failed = true;
      r.problem(line, join(path, key), "missing (expected: " + expected + ")");
    }

    /** Records a problem about a key's value (or the key's absence) with this mapping failed. */
    void problem(String key, String expected) {
      failed = true;
      Value v = value(key);
      if (v == null || v.isNull()) {
        missing(key, expected);
      } else {
        v.problem(expected);
      }
    }

    private void checkKnown(String key) {
      if (!shape.fields().containsKey(key)) {
        throw new IllegalStateException(path + "." + key + " is read but not listed in Shape");
      }
      r.keysRead.computeIfAbsent(shape, s -> new java.util.HashSet<>()).add(key);
    }

    private <T> T or(T v, T dflt) {
      if (v == null) {
        failed = true;
        return dflt;
      }
      return v;
    }

    /** The http or https URL under {@code key}, or null: absent, or not such a URL (reported in {@code expected}). */
    java.net.URI httpUrl(String key, String expected) {
      String text = string(key, null);
      if (text == null) {
        return null;
      }
      try {
        java.net.URI uri = new java.net.URI(text);
        String scheme = uri.getScheme();
        if (("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme)) && uri.getHost() != null) {
          return uri;
        }
      } catch (java.net.URISyntaxException e) {
        // reported below, in the same words as a wrong scheme
      }
      value(key).problem(expected);
      failed = true;
      return null;
    }

    /** A non-blank string, or the default. */
    String string(String key, String dflt) {
      Value v = value(key);
      return v == null || v.isNull() ? dflt : or(v.string(), dflt);
    }

    /** A required non-blank string, or null (reported). */
    String requiredString(String key, String expected) {
      Value v = value(key);
      if (v == null || v.isNull()) {
        missing(key, expected);
        return null;
      }
      return or(v.string(), null);
    }

    /** An int in {@code [min, max]}, or the default. */
    int integer(String key, int dflt, int min, int max) {
      return (int) longValue(key, dflt, min, max);
    }

    /** A long in {@code [min, max]}, or the default. */
    long longValue(String key, long dflt, long min, long max) {
      Value v = value(key);
      if (v == null || v.isNull()) {
        return dflt;
      }
      return or(v.integer(min, max, rangeText(min, max)), dflt);
    }

    /** A required long in {@code [min, max]}, or null (reported). */
    Long requiredLong(String key, long min, long max) {
      Value v = value(key);
      if (v == null || v.isNull()) {
        missing(key, rangeText(min, max));
        return null;
      }
      return or(v.integer(min, max, rangeText(min, max)), null);
    }

    /** A number, or the default. */
    double number(String key, double dflt) {
      Value v = value(key);
      return v == null || v.isNull() ? dflt : or(v.number(), dflt);
    }

    /** A boolean, or the default. */
    boolean bool(String key, boolean dflt) {
      Value v = value(key);
      return v == null || v.isNull() ? dflt : or(v.bool(), dflt);
    }

    /** A duration, or the default. */
    Duration duration(String key, Duration dflt) {
      Value v = value(key);
      return v == null || v.isNull() ? dflt : or(v.duration(), dflt);
    }

    /** A required duration, or null (reported). */
    Duration requiredDuration(String key) {
      Value v = value(key);
      if (v == null || v.isNull()) {
        missing(key, Durations.EXPECTED);
        return null;
      }
      return or(v.duration(), null);
    }

    /** One of {@code options}, or the default. */
    <E> E choice(String key, Map<String, E> options, E dflt) {
      Value v = value(key);
      return v == null || v.isNull() ? dflt : or(v.choice(options), dflt);
    }

    /** A nested mapping (an absent or null value reads as empty), or null when the value is not a mapping. */
    Mapping mapping(String key) {
      Value v = value(key);
      Shape.Obj s = (Shape.Obj) shape.fields().get(key);
      if (v == null) {
        return new Mapping(r, join(path, key), null, line, s);
      }
      Mapping m = v.mapping(s);
      if (m == null) {
        failed = true;
      }
      return m;
    }

    private static String rangeText(long min, long max) {
      if (min == Long.MIN_VALUE || min == Integer.MIN_VALUE) {
        return "an integer";
      }
      if (max == Long.MAX_VALUE || max == Integer.MAX_VALUE) {
        return "an integer >= " + min;
      }
      return "an integer in " + min + ".." + max;
    }
  }
}
