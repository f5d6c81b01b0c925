package dev.breakwater.gateway.proxy;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The tracing step: a SERVER span per request, continuing the caller's W3C trace context, current while the pipeline
 * decides (so that the engine's tracing listener records its events and attempt spans on it) and injected into the
 * upstream request; it ends when the answer is written. With tracing off every method does nothing.
 */
final class Tracing {
  /** No tracing: no span, no header change. */
  static final Tracing OFF = new Tracing(null);

  static final String SCOPE = "dev.breakwater.gateway";
  static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
  static final AttributeKey<String> PATH = AttributeKey.stringKey("url.path");
  static final AttributeKey<String> ROUTE = AttributeKey.stringKey("breakwater.route");
  static final AttributeKey<String> CORRELATION_ID = AttributeKey.stringKey("breakwater.correlation_id");
  static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");

  private final Tracer tracer;
  private final TextMapPropagator propagator;
  // The open span of each request between its first step and its answer: the steps between (route, identity, body)
  // would otherwise all need a span parameter. An entry leaves when the answer ends or the connection closes.
  private final Map<HttpServerRequest, Span> open = new ConcurrentHashMap<>();

  /** Traces with {@code openTelemetry}'s tracer and propagators; null means tracing is off. */
  Tracing(OpenTelemetry openTelemetry) {
    this.tracer = openTelemetry == null ? null : openTelemetry.getTracer(SCOPE);
    this.propagator = openTelemetry == null ? null : openTelemetry.getPropagators().getTextMapPropagator();
  }

  /** Whether requests are traced. */
  boolean on() {
    return tracer != null;
  }

  /** Starts the request's SERVER span in the caller's trace (if it sent one); it ends with the answer. */
  void start(HttpServerRequest req, String cid) {
    if (tracer == null) {
      return;
    }
    Context parent = propagator.extract(Context.root(), req, REQUEST_HEADERS);
    String path = req.path();
    int query = path == null ? -1 : path.indexOf('?');
    // Method and path only: never a header's value, a tenant, a user or a body (decision 0029).
    Span span = tracer.spanBuilder(req.method().name())
        .setParent(parent)
        .setSpanKind(SpanKind.SERVER)
        .startSpan();
    // Set after the sampler's decision (the gateway's samplers read no attributes): an unsampled span, most of them
    // at a low ratio, is not made to collect attributes it drops.
    if (span.isRecording()) {
      span.setAttribute(METHOD, req.method().name());
      span.setAttribute(PATH, query < 0 ? String.valueOf(path) : path.substring(0, query));
      span.setAttribute(CORRELATION_ID, cid);
    }
    open.put(req, span);
    HttpServerResponse res = req.response();
    res.endHandler(v -> end(req));
    res.closeHandler(v -> end(req));
  }

  /**
   * Names the route on the span, replaces the upstream headers' trace context with the span's and makes the span
   * current until the returned scope closes (around the pipeline's first, synchronous part).
   */
  Scope enter(HttpServerRequest req, String route, MultiMap upstreamHeaders) {
    Span span = tracer == null ? null : open.get(req);
    if (span == null) {
      return Scope.noop();
    }
    span.updateName(req.method().name() + " " + route);
    span.setAttribute(ROUTE, route);
    Context context = Context.root().with(span);
    upstreamHeaders.remove("traceparent");
    upstreamHeaders.remove("tracestate");
    propagator.inject(context, upstreamHeaders, UPSTREAM_HEADERS);
    // An unsampled span records nothing: the engine's listener would find it current and skip it anyway.
    return span.isRecording() ? context.makeCurrent() : Scope.noop();
  }

  private void end(HttpServerRequest req) {
    Span span = open.remove(req);
    if (span == null) {
      return; // already ended: the answer ended, then its connection closed
    }
    HttpServerResponse res = req.response();
    int status = res.getStatusCode();
    if (res.ended()) {
      span.setAttribute(STATUS, (long) status);
      if (status >= 500) {
        span.setStatus(StatusCode.ERROR); // a 4xx is the caller's failure, not the server's (OpenTelemetry's rule)
      }
    } else {
      span.setStatus(StatusCode.ERROR, "the connection closed before the answer was written");
    }
    span.end();
  }

  private static final TextMapGetter<HttpServerRequest> REQUEST_HEADERS = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(HttpServerRequest carrier) {
      return carrier.headers().names();
    }

    @Override
    public String get(HttpServerRequest carrier, String key) {
      return carrier == null ? null : carrier.getHeader(key);
    }
  };

  private static final TextMapSetter<MultiMap> UPSTREAM_HEADERS = (carrier, key, value) -> {
    if (carrier != null) {
      carrier.set(key, value);
    }
  };
}
