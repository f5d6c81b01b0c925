package dev.breakwater.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.OperationKind;
import dev.breakwater.config.PipelineConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class ExamplesTest {

  /** The repository's examples directory (tests run in the module's directory). */
  static Path examples() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.isRegularFile(dir.resolve("examples/graph-mcp.yaml"))) {
      dir = dir.getParent();
    }
    assertThat(dir).as("examples/graph-mcp.yaml above " + Path.of("").toAbsolutePath()).isNotNull();
    return dir.resolve("examples");
  }

  static List<Path> exampleFiles() throws IOException {
    try (Stream<Path> s = Files.list(examples())) {
      return s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
  }

  /** Loads with an empty environment, so every ${...} must have a default. */
  static GatewayConfig load(String name) {
    return ConfigLoader.withEnvironment(Map.<String, String>of()::get).read(examples().resolve(name));
  }

  @Test
  void everyExampleLoadsWithoutProblems() throws IOException {
    List<Path> files = exampleFiles();
    assertThat(files).extracting(p -> p.getFileName().toString()).contains("graph-mcp.yaml", "graph-mcp-redis.yaml");
    for (Path f : files) {
      GatewayConfig c = ConfigLoader.withEnvironment(Map.<String, String>of()::get).read(f);
      assertThat(c.routes()).as(f.toString()).isNotEmpty();
      for (RouteConfig r : c.routes()) {
        PipelineConfig p = c.pipelineConfig(r);
        // Every name a pipeline refers to resolves in the policies the engine will get.
        if (p.timeout() != null) {
          c.policies().timeout(p.timeout());
        }
        if (p.retry() != null) {
          c.policies().retry(p.retry());
        }
        if (p.circuitBreaker() != null) {
          c.policies().circuitBreaker(p.circuitBreaker());
        }
        if (p.bulkhead() != null) {
          c.policies().bulkhead(p.bulkhead());
        }
        if (p.writeBulkhead() != null) {
          c.policies().bulkhead(p.writeBulkhead());
        }
        p.rateLimits().forEach(c.policies()::rateLimit);
        if (p.idempotency() != null) {
          c.policies().idempotency(p.idempotency());
        }
        if (p.cache() != null) {
          c.policies().cache(p.cache());
        }
      }
    }
  }

  @Test
  void graphMcpFollowsSeed000() {
    GatewayConfig c = load("graph-mcp.yaml");
    assertThat(c.state()).isEqualTo(StateConfig.memory());
    assertThat(c.admin().token()).isEqualTo("change-me-please-0123456789");
    UpstreamConfig graph = c.upstreams().get("graph");
    assertThat(graph.endpoints()).containsExactly(URI.create("http://127.0.0.1:9000"));
    assertThat(graph.throttleGate()).isTrue();
    assertThat(c.policies().retry(graph.retry()).maxRetryAfter()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.policies().timeout(graph.timeout()).attempt()).isBetween(Duration.ofSeconds(5),
        Duration.ofSeconds(15));

    Map<String, String> domainOf = c.routes().stream().filter(r -> r.bulkhead() != null)
        .collect(Collectors.toMap(RouteConfig::name, RouteConfig::bulkhead));
    assertThat(domainOf.values()).contains("mail", "calendar", "drive");

    assertThat(route(c, "GET", "/v1.0/me/mailFolders").name()).isEqualTo("list-mail-folders");
    assertThat(route(c, "GET", "/v1.0/me/mailFolders/inbox/childFolders").name()).isEqualTo("list-mail-folders");
    assertThat(route(c, "GET", "/v1.0/me/mailFolders/inbox/messages").name()).isEqualTo("list-messages");
    assertThat(route(c, "GET", "/v1.0/me/mailFolders/inbox/messages/AAMk1").name()).isEqualTo("get-message");
    assertThat(route(c, "GET", "/v1.0/me/messages/delta").name()).isEqualTo("mail-delta");
    assertThat(route(c, "GET", "/v1.0/me/messages").name()).isEqualTo("list-messages");
    assertThat(route(c, "GET", "/v1.0/me/messages/AAMk1").name()).isEqualTo("get-message");
    assertThat(route(c, "POST", "/v1.0/me/sendMail").name()).isEqualTo("send-mail");
    assertThat(route(c, "POST", "/v1.0/search/query").name()).isEqualTo("search");
    assertThat(route(c, "GET", "/v1.0/me/calendars").name()).isEqualTo("list-calendars");
    assertThat(route(c, "GET", "/v1.0/me/calendars/AAMk2/events").name()).isEqualTo("list-events");
    assertThat(route(c, "GET", "/v1.0/me/calendarView").name()).isEqualTo("list-events");
    assertThat(route(c, "POST", "/v1.0/me/events").name()).isEqualTo("create-event");
    assertThat(route(c, "PATCH", "/v1.0/me/events/AAMk3").name()).isEqualTo("event");
    assertThat(route(c, "GET", "/v1.0/me/drive").name()).isEqualTo("drive-metadata");
    assertThat(route(c, "GET", "/v1.0/me/drive/root/children").name()).isEqualTo("drive-metadata");
    assertThat(route(c, "GET", "/v1.0/me/drive/items/01ABC").name()).isEqualTo("drive-metadata");
    assertThat(route(c, "GET", "/v1.0/me/drive/items/01ABC/content").name()).isEqualTo("download-file");
    assertThat(route(c, "GET", "/v1.0/me/drive/root:/Reports/q3.xlsx:/content").name()).isEqualTo("download-file");
    assertThat(route(c, "PUT", "/v1.0/me/drive/root:/Reports/q3.xlsx:/content").name()).isEqualTo("upload-file");
    assertThat(route(c, "GET", "/v1.0/me/drive/root/search(q='budget')").name()).isEqualTo("search-drive");
    assertThat(route(c, "GET", "/v1.0/users").name()).isEqualTo("graph-other");

    // Searches and large lists cost more than a get.
    assertThat(route(c, "POST", "/v1.0/search/query").cost())
        .isGreaterThan(route(c, "GET", "/v1.0/me/messages").cost());
    assertThat(route(c, "GET", "/v1.0/me/messages").cost())
        .isGreaterThan(route(c, "GET", "/v1.0/me/messages/AAMk1").cost());
    assertThat(route(c, "POST", "/v1.0/search/query").kind().resolve("POST", false)).isEqualTo(OperationKind.READ);

    // Writes: idempotent with a key, in their own pools.
    for (String[] w : new String[][] {{"POST", "/v1.0/me/sendMail"}, {"POST", "/v1.0/me/events"}}) {
      RouteConfig r = route(c, w[0], w[1]);
      assertThat(r.idempotency()).as(r.name()).isNotNull();
      assertThat(r.writeBulkhead()).as(r.name()).isNotNull().isNotEqualTo(r.bulkhead());
      assertThat(r.kind().resolve("POST", true)).isEqualTo(OperationKind.IDEMPOTENT_WRITE);
      assertThat(r.kind().resolve("POST", false)).isEqualTo(OperationKind.WRITE);
    }

    // Only folder lists, calendars and drive metadata are cached; message bodies and file content never.
    assertThat(c.routes().stream().filter(r -> r.cache() != null).map(RouteConfig::name))
        .containsExactlyInAnyOrder("list-mail-folders", "list-calendars", "drive-metadata");
    for (RouteConfig r : c.routes()) {
      if (r.cache() != null) {
        assertThat(r.methods()).containsExactly("GET");
        assertThat(r.cacheShared()).isFalse();
        assertThat(r.cacheCredentialed()).as("Graph calls carry Authorization: cached privately").isTrue();
        assertThat(c.policies().cache(r.cache()).shared()).isFalse();
        assertThat(c.policies().cache(r.cache()).ttl()).isLessThanOrEqualTo(Duration.ofMinutes(5));
      }
    }
  }

  @Test
  void writesInTheGraphExampleInvalidateTheCachedRoutesTheyChange() throws IOException {
    GatewayConfig c = load("graph-mcp.yaml");
    assertThat(route(c, "POST", "/v1.0/me/sendMail").invalidates()).containsExactly("list-mail-folders");
    assertThat(route(c, "POST", "/v1.0/me/mailFolders").invalidates()).containsExactly("list-mail-folders");
    assertThat(route(c, "DELETE", "/v1.0/me/calendars/AAMk1").invalidates()).containsExactly("list-calendars");
    assertThat(route(c, "PUT", "/v1.0/me/drive/root:/report.docx:/content").invalidates())
        .containsExactly("drive-metadata");
    assertThat(route(c, "GET", "/v1.0/me/mailFolders").invalidates()).isEmpty();
  }

  @Test
  void redisExampleIsTheSameFileWithRedisState() throws IOException {
    GatewayConfig memory = load("graph-mcp.yaml");
    GatewayConfig redis = load("graph-mcp-redis.yaml");
    assertThat(redis.state().backend()).isEqualTo(StateConfig.Backend.REDIS);
    assertThat(redis.state().redis().orElseThrow().uris()).containsExactly("redis://127.0.0.1:6379");
    assertThat(redis.upstreams()).isEqualTo(memory.upstreams());
    assertThat(redis.routes().toString()).isEqualTo(memory.routes().toString());
    assertThat(redis.slos()).isEqualTo(memory.slos());
    assertThat(withoutHeaderAndState(examples().resolve("graph-mcp-redis.yaml")))
        .isEqualTo(withoutHeaderAndState(examples().resolve("graph-mcp.yaml")));
  }

  /** The file without its leading comment block and without the top-level state section. */
  static String withoutHeaderAndState(Path file) throws IOException {
    StringBuilder sb = new StringBuilder();
    boolean header = true;
    boolean inState = false;
    for (String line : Files.readAllLines(file)) {
      if (header && (line.startsWith("#") || line.isBlank())) {
        continue;
      }
      header = false;
      if (!line.isEmpty() && !Character.isWhitespace(line.charAt(0)) && !line.startsWith("#")) {
        inState = line.startsWith("state:");
      }
      if (!inState) {
        sb.append(line).append('\n');
      }
    }
    return sb.toString();
  }

  private static RouteConfig route(GatewayConfig c, String method, String path) {
    return c.route(method, path).orElseThrow(() -> new AssertionError("no route for " + method + " " + path));
  }
}
