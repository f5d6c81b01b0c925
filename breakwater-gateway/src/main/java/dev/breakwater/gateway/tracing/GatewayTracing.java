package dev.breakwater.gateway.tracing;

import dev.breakwater.event.BreakwaterListener;
import dev.breakwater.gateway.config.TracingConfig;
import dev.breakwater.opentelemetry.BreakwaterTracing;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's tracing for its whole life (settings are read at start; a reload keeps them): off, or an
 * OpenTelemetry SDK that samples new traces by ratio, follows a caller's sampled flag and exports over OTLP/HTTP.
 */
public final class GatewayTracing implements AutoCloseable {
  private static final GatewayTracing OFF = new GatewayTracing(null, null);

  private final OpenTelemetry openTelemetry;
  private final OpenTelemetrySdk owned;
  private final BreakwaterListener listener;

  private GatewayTracing(OpenTelemetry openTelemetry, OpenTelemetrySdk owned) {
    this.openTelemetry = openTelemetry;
    this.owned = owned;
    this.listener = openTelemetry == null ? null : new BreakwaterTracing(openTelemetry);
  }

  /** No tracing: no OpenTelemetry object at all. */
  public static GatewayTracing off() {
    return OFF;
  }

  /** The tracing a config asks for: off when it has no {@code tracing} section, else an SDK exporting over OTLP. */
  public static GatewayTracing of(TracingConfig config) {
    if (config == null) {
      return OFF;
    }
    OtlpHttpSpanExporter exporter = OtlpHttpSpanExporter.builder()
        .setEndpoint(config.otlpEndpoint().toString())
        .build();
    SdkTracerProvider provider = SdkTracerProvider.builder()
        .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(
            AttributeKey.stringKey("service.name"), config.serviceName()))))
        // A caller's sampling decision is followed, so that its trace is whole; new traces are sampled by ratio.
        .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(config.sampleRatio())))
        .addSpanProcessor(BatchSpanProcessor.builder(exporter).build())
        .build();
    OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
        .setTracerProvider(provider)
        .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
        .build();
    return new GatewayTracing(sdk, sdk);
  }

  /** Tracing with an OpenTelemetry the caller owns (and shuts down), such as a test's in-memory exporter. */
  public static GatewayTracing using(OpenTelemetry openTelemetry) {
    return new GatewayTracing(java.util.Objects.requireNonNull(openTelemetry, "openTelemetry"), null);
  }

  /** The OpenTelemetry requests are traced with, or null when tracing is off. */
  public OpenTelemetry openTelemetry() {
    return openTelemetry;
  }

  /** The engine listener recording decisions on the current span, or null when tracing is off. */
  public BreakwaterListener listener() {
    return listener;
  }

  /** Exports the spans still buffered (for a few seconds at most) and stops the SDK this instance built. */
  @Override
  public void close() {
    if (owned != null) {
      owned.getSdkTracerProvider().shutdown().join(5, TimeUnit.SECONDS);
    }
  }
}
