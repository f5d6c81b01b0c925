package dev.breakwater.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/**
 * Keeps {@code breakwater-gateway.schema.json} in step with the loader: the keys the loader accepts ({@link Shape},
 * which the loader enforces) and the keys the schema describes are the same at every level, and the examples, which
 * the loader accepts, are valid against the schema.
 */
class SchemaTest {
  static final String RESOURCE = "/breakwater-gateway.schema.json";

  /** The keywords {@link #validate} understands; annotations are the rest of what the schema may use. */
  static final Set<String> ASSERTIONS = Set.of("$ref", "type", "properties", "additionalProperties", "required",
      "enum", "const", "pattern", "minimum", "maximum", "exclusiveMinimum", "minLength", "minItems", "minProperties",
      "items", "anyOf", "propertyNames");
  static final Set<String> ANNOTATIONS = Set.of("$schema", "$id", "$defs", "title", "description", "default",
      "format", "examples");

  static JsonNode schema;

  @BeforeAll
  static void readSchema() throws IOException {
    try (InputStream in = SchemaTest.class.getResourceAsStream(RESOURCE)) {
      assertThat(in).as(RESOURCE + " on the class path").isNotNull();
      schema = new ObjectMapper().readTree(in);
    }
  }

  @Test
  void isDraft202012() {
    assertThat(schema.path("$schema").asText()).isEqualTo("https://json-schema.org/draft/2020-12/schema");
  }

  @Test
  void everyKeyTheLoaderAcceptsIsInTheSchemaAndNoOther() {
    List<String> mismatches = new ArrayList<>();
    walk(Shape.ROOT, schema, "", mismatches);
    assertThat(mismatches).isEmpty();
  }

  @Test
  void everyKeyTheLoaderAcceptsIsRead() {
    String yaml = ConfigLoaderTest.BASE.replace("  token: 0123456789abcdef\n",
        "  token: 0123456789abcdef\n  tokens: [{ name: oncall, token: oncall-token-0123456789 }]\n").replace("""
        admin:
        """, """
        state:
          backend: redis
          redis: { uri: "redis://127.0.0.1:6379" }
        identity:
          jwt: { jwksUrl: "http://127.0.0.1:8081/jwks.json", issuer: "https://login.example/", audience: api }
        admin:
        """).replace("""
          caches:
        """, """
          idempotency:
            writes: { ttl: 10m }
          caches:
        """).replace("default: { maxAttempts: 3 }", "default: { budget: { ratio: 0.2 } }")
        .replace("graph: { failureRateThreshold: 50 }", "graph: { failuresWithin: { count: 5, window: 30s } }")
        .replace("    endpoints: [http://127.0.0.1:9000]\n", """
                endpointGroups: [{ name: west, endpoints: [http://127.0.0.1:9000] }]
                connectTimeout: 1s
                idleTimeout: 30s
                healthCheck: { path: /health, interval: 2s, timeout: 1s, healthyThreshold: 2, unhealthyThreshold: 3 }
                outlierDetection: { enabled: true, consecutiveFailures: 5, baseEjection: 30s, maxEjection: 5m }
                failback: { healthyChecks: 10, steps: [5, 25, 50, 100], verifyWindow: 30s, maxErrorRate: 5 }
                sharding: { tenants: { contoso: west } }
            """)
        + "slos:\n  reads: { routes: [GET /v1.0/me/messages], window: 7d, availability: 99,"
        + " latency: { threshold: 1s, percent: 90 } }\n"
        + "tracing: { otlpEndpoint: 'http://127.0.0.1:4318/v1/traces', sampleRatio: 0.5, serviceName: edge }\n"
        + "health:\n  evaluateEvery: 2s\n  webhook: http://127.0.0.1:9000/hook\n"
        + "  emergency: { routes: [GET /v1.0/me/messages], tenants: [vip] }\n  rules:\n"
        + "    - { name: a, signal: slow_calls, upstream: graph, slowerThan: 2s, window: 2m, enter: 50, exit: 10,"
        + " minCalls: 20, level: degraded, target: global, minDwell: 1m }\n"
        + "    - { name: b, signal: burn_rate, slo: reads, sli: latency, window: 1h, enter: 10, level: degraded }\n"
        + "faults:\n  slow: { route: GET /v1.0/me/messages, kind: delay, delay: 2s, percent: 50, tenant: t,"
        + " header: { name: X-Drill, value: 'on' }, duration: 5m }\n"
        + "  down: { upstream: graph, kind: error, status: 500 }\n"
        + "  busy: { upstream: graph, kind: throttle, retryAfter: 3s }\n";
    Map<Shape.Obj, Set<String>> read = ConfigLoader.withEnvironment(k -> null).keysRead(yaml);
    List<Shape.Obj> all = new ArrayList<>();
    objects(Shape.ROOT, all);
    for (Shape.Obj obj : all) {
      assertThat(read.get(obj)).as("keys read of " + obj.keys()).isEqualTo(obj.keys());
    }
  }

  private static void objects(Shape s, List<Shape.Obj> out) {
    if (s instanceof Shape.Obj o) {
      if (out.stream().noneMatch(x -> x == o)) {
        out.add(o);
      }
      o.fields().values().forEach(v -> objects(v, out));
    } else if (s instanceof Shape.MapOf m) {
      objects(m.values(), out);
    } else if (s instanceof Shape.ListOf l) {
      objects(l.items(), out);
    }
  }

  @Test
  void theSchemaUsesOnlyKeywordsTheValidatorBelowChecks() {
    Set<String> unknown = new TreeSet<>();
    keywords(schema, unknown);
    assertThat(unknown).isEmpty();
  }

  @Test
  void examplesAreValidAgainstTheSchema() throws IOException {
    for (Path f : ExamplesTest.exampleFiles()) {
      List<String> errors = new ArrayList<>();
      validate(schema, json(Files.readString(f)), "", errors);
      assertThat(errors).as(f.toString()).isEmpty();
    }
    List<String> errors = new ArrayList<>();
    validate(schema, json(ConfigLoaderTest.BASE), "", errors);
    assertThat(errors).isEmpty();
  }

  @Test
  void theSchemaRejectsWhatTheLoaderRejects() {
    assertThat(errors(ConfigLoaderTest.BASE.replace("  port: 8080", "  prot: 8080")))
        .containsExactly("server: unknown property prot");
    assertThat(errors(ConfigLoaderTest.BASE.replace("scope: tenant", "scope: tenants")))
        .containsExactly("policies.rateLimits.per-tenant.scope: no branch of anyOf matches");
    assertThat(errors(ConfigLoaderTest.BASE.replace("attempt: 5s", "attempt: 5 seconds")))
        .containsExactly("policies.timeouts.default.attempt: no branch of anyOf matches");
    assertThat(errors(ConfigLoaderTest.BASE.replace("  token: 0123456789abcdef\n", "  port: 9091\n")))
        .containsExactly("admin: no branch of anyOf matches");
    assertThat(errors(ConfigLoaderTest.BASE.replace("methods: [GET]", "methods: [get]")))
        .containsExactly("routes[0].methods[0]: \"get\" not in [\"GET\",\"HEAD\",\"POST\",\"PUT\",\"PATCH\",\"DELETE\","
            + "\"OPTIONS\"]");
    assertThat(errors(ConfigLoaderTest.BASE.replace("port: 8080", "port: ${PORT:-8080}"))).isEmpty();
  }

  private static List<String> errors(String yaml) {
    List<String> errors = new ArrayList<>();
    validate(schema, json(yaml), "", errors);
    return errors;
  }

  // ------------------------------------------------------------------------------------------- shape vs schema

  private static void walk(Shape shape, JsonNode s, String path, List<String> out) {
    s = resolve(s);
    if (shape instanceof Shape.Obj obj) {
      JsonNode objectSchema = objectBranch(s);
      if (objectSchema == null) {
        out.add(path + ": the schema has no object with properties here");
        return;
      }
      if (!objectSchema.path("additionalProperties").isBoolean()
          || objectSchema.path("additionalProperties").asBoolean()) {
        out.add(path + ": the schema allows additional properties; the loader does not");
      }
      Set<String> schemaKeys = new LinkedHashSet<>();
      objectSchema.path("properties").fieldNames().forEachRemaining(schemaKeys::add);
      for (String k : obj.keys()) {
        if (!schemaKeys.contains(k)) {
          out.add(join(path, k) + ": accepted by the loader, missing from the schema");
        }
      }
      for (String k : schemaKeys) {
        if (!obj.keys().contains(k)) {
          out.add(join(path, k) + ": in the schema, not accepted by the loader");
        }
      }
      for (Map.Entry<String, Shape> e : obj.fields().entrySet()) {
        if (schemaKeys.contains(e.getKey())) {
          walk(e.getValue(), objectSchema.path("properties").path(e.getKey()), join(path, e.getKey()), out);
        }
      }
    } else if (shape instanceof Shape.MapOf m) {
      JsonNode values = s.path("additionalProperties");
      if (!values.isObject()) {
        out.add(path + ": the schema has no additionalProperties schema for named entries");
        return;
      }
      walk(m.values(), values, path + ".<name>", out);
    } else if (shape instanceof Shape.ListOf l) {
      if (!s.path("items").isObject()) {
        out.add(path + ": the schema has no items schema");
        return;
      }
      walk(l.items(), s.path("items"), path + "[]", out);
    } else if (objectBranch(s) != null) {
      out.add(path + ": the schema describes an object; the loader takes a scalar or a list");
    }
  }

  /** The schema itself when it has properties, else the one anyOf branch that does. */
  private static JsonNode objectBranch(JsonNode s) {
    s = resolve(s);
    if (s.has("properties")) {
      return s;
    }
    for (JsonNode branch : s.path("anyOf")) {
      JsonNode b = resolve(branch);
      if (b.has("properties")) {
        return b;
      }
    }
    return null;
  }

  private static JsonNode resolve(JsonNode s) {
    while (s.has("$ref") && !s.has("properties")) {
      String ref = s.get("$ref").asText();
      assertThat(ref).startsWith("#/");
      s = schema.at(ref.substring(1));
      assertThat(s.isMissingNode()).as(ref).isFalse();
    }
    return s;
  }

  private static String join(String path, String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  private static void keywords(JsonNode s, Set<String> unknown) {
    if (!s.isObject()) {
      return;
    }
    Iterator<Map.Entry<String, JsonNode>> it = s.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      String k = e.getKey();
      if (!ASSERTIONS.contains(k) && !ANNOTATIONS.contains(k)) {
        unknown.add(k);
      }
      switch (k) {
        case "properties", "$defs" -> e.getValue().forEach(v -> keywords(v, unknown));
        case "anyOf" -> e.getValue().forEach(v -> keywords(v, unknown));
        case "items", "additionalProperties", "propertyNames" -> keywords(e.getValue(), unknown);
        default -> { }
      }
    }
  }

  // ---------------------------------------------------------------------- a small JSON Schema validator (subset)

  /** Validates {@code v} against {@code s}, using only the keywords in {@link #ASSERTIONS}. */
  static void validate(JsonNode s, JsonNode v, String path, List<String> errors) {
    if (s.isBoolean()) {
      if (!s.asBoolean()) {
        errors.add(path + ": not allowed");
      }
      return;
    }
    if (s.has("$ref")) {
      validate(schema.at(s.get("$ref").asText().substring(1)), v, path, errors);
    }
    if (s.has("type") && !typeMatches(s.get("type"), v)) {
      errors.add(path + ": " + v + " is not of type " + s.get("type"));
      return;
    }
    if (s.has("enum")) {
      boolean found = false;
      for (JsonNode e : s.get("enum")) {
        found |= e.equals(v);
      }
      if (!found) {
        errors.add(path + ": " + v + " not in " + s.get("enum"));
      }
    }
    if (s.has("const") && !s.get("const").equals(v) && !(s.get("const").isNumber() && v.isNumber()
        && s.get("const").decimalValue().compareTo(v.decimalValue()) == 0)) {
      errors.add(path + ": " + v + " is not " + s.get("const"));
    }
    if (v.isTextual()) {
      if (s.has("pattern") && !Pattern.compile(s.get("pattern").asText()).matcher(v.asText()).find()) {
        errors.add(path + ": " + v + " does not match " + s.get("pattern").asText());
      }
      if (s.has("minLength") && v.asText().codePointCount(0, v.asText().length()) < s.get("minLength").asInt()) {
        errors.add(path + ": shorter than " + s.get("minLength"));
      }
    }
    if (v.isNumber()) {
      if (s.has("minimum") && v.doubleValue() < s.get("minimum").doubleValue()) {
        errors.add(path + ": " + v + " < " + s.get("minimum"));
      }
      if (s.has("exclusiveMinimum") && v.doubleValue() <= s.get("exclusiveMinimum").doubleValue()) {
        errors.add(path + ": " + v + " <= " + s.get("exclusiveMinimum"));
      }
      if (s.has("maximum") && v.doubleValue() > s.get("maximum").doubleValue()) {
        errors.add(path + ": " + v + " > " + s.get("maximum"));
      }
    }
    if (v.isObject()) {
      for (JsonNode r : s.path("required")) {
        if (!v.has(r.asText())) {
          errors.add(path + ": missing required " + r.asText());
        }
      }
      if (s.has("minProperties") && v.size() < s.get("minProperties").asInt()) {
        errors.add(path + ": fewer than " + s.get("minProperties") + " properties");
      }
      Iterator<Map.Entry<String, JsonNode>> it = v.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        String p = join(path, e.getKey());
        if (s.has("propertyNames")) {
          validate(s.get("propertyNames"), JsonNodeFactory.instance.textNode(e.getKey()), p, errors);
        }
        if (s.path("properties").has(e.getKey())) {
          validate(s.get("properties").get(e.getKey()), e.getValue(), p, errors);
        } else if (s.has("additionalProperties")) {
          JsonNode ap = s.get("additionalProperties");
          if (ap.isBoolean() && !ap.asBoolean()) {
            errors.add(path + ": unknown property " + e.getKey());
          } else {
            validate(ap, e.getValue(), p, errors);
          }
        }
      }
    }
    if (v.isArray()) {
      if (s.has("minItems") && v.size() < s.get("minItems").asInt()) {
        errors.add(path + ": fewer than " + s.get("minItems") + " items");
      }
      if (s.has("items")) {
        for (int i = 0; i < v.size(); i++) {
          validate(s.get("items"), v.get(i), path + "[" + i + "]", errors);
        }
      }
    }
    if (s.has("anyOf")) {
      boolean any = false;
      for (JsonNode branch : s.get("anyOf")) {
        List<String> branchErrors = new ArrayList<>();
        validate(branch, v, path, branchErrors);
        any |= branchErrors.isEmpty();
      }
      if (!any) {
        errors.add(path + ": no branch of anyOf matches");
      }
    }
  }

  private static boolean typeMatches(JsonNode type, JsonNode v) {
    if (type.isArray()) {
      for (JsonNode t : type) {
        if (typeMatches(t, v)) {
          return true;
        }
      }
      return false;
    }
    switch (type.asText()) {
      case "object":
        return v.isObject();
      case "array":
        return v.isArray();
      case "string":
        return v.isTextual();
      case "integer":
        return v.isIntegralNumber();
      case "number":
        return v.isNumber();
      case "boolean":
        return v.isBoolean();
      case "null":
        return v.isNull();
      default:
        throw new AssertionError("unknown type " + type);
    }
  }

  /** YAML as an editor's language server sees it: plain scalars typed by the YAML 1.2 JSON schema. */
  static JsonNode json(String yaml) {
    Node root = new Compose(LoadSettings.builder().build()).composeString(yaml).orElseThrow();
    return json(root);
  }

  private static JsonNode json(Node n) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    if (n instanceof MappingNode m) {
      ObjectNode o = f.objectNode();
      for (NodeTuple t : m.getValue()) {
        o.set(((ScalarNode) t.getKeyNode()).getValue(), json(t.getValueNode()));
      }
      return o;
    }
    if (n instanceof SequenceNode s) {
      ArrayNode a = f.arrayNode();
      s.getValue().forEach(item -> a.add(json(item)));
      return a;
    }
    ScalarNode s = (ScalarNode) n;
    Tag tag = s.getTag();
    if (tag.equals(Tag.NULL)) {
      return f.nullNode();
    }
    if (tag.equals(Tag.BOOL)) {
      return f.booleanNode(Boolean.parseBoolean(s.getValue()));
    }
    if (tag.equals(Tag.INT)) {
      return f.numberNode(Long.parseLong(s.getValue()));
    }
    if (tag.equals(Tag.FLOAT)) {
      return f.numberNode(Double.parseDouble(s.getValue()));
    }
    return f.textNode(s.getValue());
  }
}
