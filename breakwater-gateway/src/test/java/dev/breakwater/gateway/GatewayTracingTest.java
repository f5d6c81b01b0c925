package dev.breakwater.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.breakwater.gateway.config.ConfigLoader;
import dev.breakwater.gateway.config.GatewayConfig;
import dev.breakwater.gateway.tracing.GatewayTracing;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Traces through the gateway over real sockets: a SERVER span per request in the caller's W3C trace, its context
 * passed to the upstream, no tenant or user in any attribute, nothing changed with tracing off, and a real OTLP/HTTP
 * export to a receiver.
 */
class GatewayTracingTest {
  private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String CALLER_SPAN = "00f067aa0ba902b7";
  private static final String CALLER_TRACEPARENT = "00-" + TRACE_ID + "-" + CALLER_SPAN + "-01";

  private final HttpClient client = HttpClient.newHttpClient();
  private final List<Map<String, List<String>>> upstreamHeaders = new CopyOnWriteArrayList<>();
  private HttpServer upstream;

  @BeforeEach
  void startUpstream() throws IOException {
    upstream = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    upstream.createContext("/", exchange -> {
      upstreamHeaders.add(Map.copyOf(exchange.getRequestHeaders()));
      byte[] ok = "{\"value\":[]}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, ok.length);
      exchange.getResponseBody().write(ok);
      exchange.close();
    });
    upstream.start();
  }

  @AfterEach
  void stopUpstream() {
    upstream.stop(0);
  }

  @Test
  void aCallersTraceIsContinuedByAServerSpanWhoseContextReachesTheUpstream() throws Exception {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    try (OpenTelemetrySdk sdk = sdk(spans); Gateway g = Gateway.start(config(""), GatewayTracing.using(sdk))) {
      HttpResponse<String> r = get(g, "/v1.0/me/messages?$top=5", CALLER_TRACEPARENT);
      assertThat(r.statusCode()).isEqualTo(200);

      SpanData server = awaitSpan(spans, SpanKind.SERVER);
      assertThat(server.getTraceId()).isEqualTo(TRACE_ID);
      assertThat(server.getParentSpanId()).isEqualTo(CALLER_SPAN);
      assertThat(server.getName()).isEqualTo("GET messages");
      assertThat(server.getAttributes().asMap()).containsEntry(key("http.request.method"), "GET")
          .containsEntry(key("url.path"), "/v1.0/me/messages")
          .containsEntry(key("breakwater.route"), "messages")
          .containsEntry(key("breakwater.correlation_id"), TRACE_ID)
          .containsEntry(io.opentelemetry.api.common.AttributeKey.longKey("http.response.status_code"), 200L);
      assertThat(server.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);

      // The upstream's spans become children of the gateway's span, in the caller's trace.
      assertThat(upstreamHeaders).hasSize(1);
      assertThat(upstreamHeaders.get(0).get("Traceparent"))
          .containsExactly("00-" + TRACE_ID + "-" + server.getSpanId() + "-01");
    }
  }

  @Test
  void theEngineRecordsItsAttemptAsAChildOfTheServerSpan() throws Exception {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    try (OpenTelemetrySdk sdk = sdk(spans); Gateway g = Gateway.start(config(""), GatewayTracing.using(sdk))) {
      assertThat(get(g, "/v1.0/me/messages", CALLER_TRACEPARENT).statusCode()).isEqualTo(200);

      SpanData server = awaitSpan(spans, SpanKind.SERVER);
      SpanData attempt = spans.getFinishedSpanItems().stream().filter(s -> s.getName().equals("breakwater.attempt"))
          .findFirst().orElseThrow(() -> new AssertionError("no attempt span in " + spans.getFinishedSpanItems()));
      assertThat(attempt.getParentSpanId()).isEqualTo(server.getSpanId());
      assertThat(server.getEvents()).extracting(e -> e.getName()).contains("breakwater.call");
    }
  }

  @Test
  void noSpanOrEventAttributeNamesTheTenantOrTheUser() throws Exception {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    try (OpenTelemetrySdk sdk = sdk(spans); Gateway g = Gateway.start(config(""), GatewayTracing.using(sdk))) {
      assertThat(get(g, "/v1.0/me/messages", CALLER_TRACEPARENT).statusCode()).isEqualTo(200);
      awaitSpan(spans, SpanKind.SERVER);

      List<Object> values = new ArrayList<>();
      for (SpanData s : spans.getFinishedSpanItems()) {
        values.addAll(s.getAttributes().asMap().values());
        s.getEvents().forEach(e -> values.addAll(e.getAttributes().asMap().values()));
      }
      assertThat(values).isNotEmpty();
      assertThat(values).allSatisfy(v -> assertThat(String.valueOf(v)).doesNotContain("contoso")
          .doesNotContain("alice"));
    }
  }

  @Test
  void anUnsampledRequestRecordsNothingYetPassesItsTraceAndDecisionUpstream() throws Exception {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    String otherTrace = "0af7651916cd43dd8448eb211c80319c";
    try (OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
        .setTracerProvider(SdkTracerProvider.builder().setSampler(Sampler.parentBased(Sampler.alwaysOn()))
            .addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
        .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
        .build();
        Gateway g = Gateway.start(config(""), GatewayTracing.using(sdk))) {
      assertThat(get(g, "/v1.0/me/messages", "00-" + TRACE_ID + "-" + CALLER_SPAN + "-00").statusCode())
          .isEqualTo(200);
      // A sampled request after it: once its span is exported, the unsampled one would have been too.
      assertThat(get(g, "/v1.0/me/messages", "00-" + otherTrace + "-" + CALLER_SPAN + "-01").statusCode())
          .isEqualTo(200);
      awaitSpan(spans, SpanKind.SERVER);

      assertThat(spans.getFinishedSpanItems()).extracting(SpanData::getTraceId).containsOnly(otherTrace);
      String upstreamTraceparent = upstreamHeaders.get(0).get("Traceparent").get(0);
      assertThat(upstreamTraceparent).startsWith("00-" + TRACE_ID + "-").endsWith("-00")
          .isNotEqualTo("00-" + TRACE_ID + "-" + CALLER_SPAN + "-00");
    }
  }

  @Test
  void withTracingOffTheCallersTraceparentReachesTheUpstreamUnchanged() throws Exception {
    GatewayConfig config = config("");
    assertThat(config.tracing()).isNull();
    assertThat(GatewayTracing.of(config.tracing()).openTelemetry()).isNull();
    try (Gateway g = Gateway.start(config)) {
      assertThat(get(g, "/v1.0/me/messages", CALLER_TRACEPARENT).statusCode()).isEqualTo(200);
      assertThat(get(g, "/v1.0/me/messages", null).statusCode()).isEqualTo(200);

      assertThat(upstreamHeaders.get(0).get("Traceparent")).containsExactly(CALLER_TRACEPARENT);
      // Without one from the caller, the gateway's own traceparent carries the correlation id as its trace id.
      String cid = upstreamHeaders.get(1).get("X-correlation-id").get(0);
      assertThat(upstreamHeaders.get(1).get("Traceparent").get(0)).startsWith("00-" + cid + "-");
    }
  }

  @Test
  void spansAreExportedOverOtlpHttpToTheConfiguredEndpoint() throws Exception {
    AtomicInteger posts = new AtomicInteger();
    AtomicLong bytes = new AtomicLong();
    List<String> contentTypes = new CopyOnWriteArrayList<>();
    HttpServer receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    receiver.createContext("/v1/traces", exchange -> {
      if (exchange.getRequestMethod().equals("POST")) {
        bytes.addAndGet(exchange.getRequestBody().readAllBytes().length);
        contentTypes.add(exchange.getRequestHeaders().getFirst("Content-Type"));
        posts.incrementAndGet();
      }
      exchange.sendResponseHeaders(200, -1); // an empty ExportTraceServiceResponse
      exchange.close();
    });
    receiver.start();
    try {
      String tracing = "tracing: { otlpEndpoint: 'http://127.0.0.1:" + receiver.getAddress().getPort()
          + "/v1/traces', sampleRatio: 1, serviceName: gateway-under-test }\n";
      try (Gateway g = Gateway.start(config(tracing))) {
        assertThat(get(g, "/v1.0/me/messages", null).statusCode()).isEqualTo(200);
      } // closing the gateway flushes the batch of spans it still holds

      assertThat(posts.get()).isGreaterThanOrEqualTo(1);
      assertThat(bytes.get()).isGreaterThan(0);
      assertThat(contentTypes).allSatisfy(t -> assertThat(t).isEqualTo("application/x-protobuf"));
    } finally {
      receiver.stop(0);
    }
  }

  private GatewayConfig config(String extra) {
    return ConfigLoader.parse(String.join("\n",
        "server: { port: 0 }",
        "admin: { port: 0, token: tracing-test-token-0123456789 }",
        "upstreams:",
        "  graph: { endpoints: [ 'http://127.0.0.1:" + upstream.getAddress().getPort() + "' ] }",
        "routes:",
        "  - { name: messages, path: /v1.0/me/messages, upstream: graph }",
        "") + extra, "tracing.yaml");
  }

  private HttpResponse<String> get(Gateway g, String pathAndQuery, String traceparent) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.port() + pathAndQuery))
        .header("X-Tenant-Id", "contoso").header("X-User-Id", "alice").timeout(Duration.ofSeconds(20));
    if (traceparent != null) {
      b.header("traceparent", traceparent);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static OpenTelemetrySdk sdk(InMemorySpanExporter exporter) {
    return OpenTelemetrySdk.builder()
        .setTracerProvider(SdkTracerProvider.builder().setSampler(Sampler.alwaysOn())
            .addSpanProcessor(SimpleSpanProcessor.create(exporter)).build())
        .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
        .build();
  }

  // The span ends when the answer's last byte is written, which may be just after the client has read it.
  private static SpanData awaitSpan(InMemorySpanExporter spans, SpanKind kind) throws InterruptedException {
    for (int i = 0; i < 2000; i++) {
      for (SpanData s : spans.getFinishedSpanItems()) {
        if (s.getKind() == kind) {
          return s;
        }
      }
      Thread.sleep(5);
    }
    throw new AssertionError("no " + kind + " span among " + spans.getFinishedSpanItems());
  }

  private static io.opentelemetry.api.common.AttributeKey<String> key(String name) {
    return io.opentelemetry.api.common.AttributeKey.stringKey(name);
  }
}
