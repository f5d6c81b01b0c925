package dev.breakwater.bench;

import dev.breakwater.Breakwater;
import dev.breakwater.CallContext;
import dev.breakwater.Pipeline;
import dev.breakwater.event.BreakwaterListener;
import dev.breakwater.micrometer.BreakwaterMetrics;
import dev.breakwater.opentelemetry.BreakwaterTracing;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.Collection;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What metrics and tracing add to a call: Breakwater's 5-policy stack ({@link Overhead#breakwaterStack}) with no
 * listener, with the Micrometer listener on a Prometheus registry without and with its latency histograms, and with
 * the OpenTelemetry listener under an SDK sampling 0 %, 1 % or 100 % of new traces (batch processor, an exporter
 * that discards). bench/core.sh reports each row's ratio to {@link #observedOff}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class Observability {

  /** The stack with the given listener (or none). */
  static Pipeline<String> stack(BreakwaterListener listener) {
    Breakwater.Builder builder = Breakwater.builder().policies(Overhead.stackPolicies());
    if (listener != null) {
      builder.listener(listener);
    }
    return Overhead.stackPipeline(builder.build(), "observed", true);
  }

  /** The stack and the upstream, with no listener: the baseline of every ratio. */
  @State(org.openjdk.jmh.annotations.Scope.Benchmark)
  public static class Off {
    Upstream upstream;
    CallContext ctx;
    Pipeline<String> pipeline;

    @Setup
    public void setup() {
      upstream = new Upstream("ok");
      ctx = Overhead.context();
      pipeline = stack(null);
    }
  }

  /** The stack with {@link BreakwaterMetrics} on a Prometheus registry, as the gateway runs it (histograms on). */
  @State(org.openjdk.jmh.annotations.Scope.Benchmark)
  public static class Metrics extends Off {
    PrometheusMeterRegistry registry;

    @Override
    @Setup
    public void setup() {
      super.setup();
      registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      configure(registry);
      pipeline = stack(new BreakwaterMetrics(registry));
    }

    void configure(PrometheusMeterRegistry registry) {}

    @TearDown(Level.Trial)
    public void tearDown() {
      registry.close();
    }
  }

  /**
   * The same listener with its histogram buckets stripped by a registry filter (how an application turns them off):
   * its timers keep count, sum and max only.
   */
  @State(org.openjdk.jmh.annotations.Scope.Benchmark)
  public static class MetricsNoHistograms extends Metrics {
    @Override
    void configure(PrometheusMeterRegistry registry) {
      registry.config().meterFilter(new MeterFilter() {
        @Override
        public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
          return DistributionStatisticConfig.builder().serviceLevelObjectives(new double[0]).build().merge(config);
        }
      });
    }
  }

  /**
   * A traced call as an instrumented application makes it: a SERVER span per call, started with the SDK's sampler,
   * current while the stack runs with {@link BreakwaterTracing} (or, with {@code listener=false}, without it), ended
   * after. The batch processor exports to an exporter that counts and discards.
   */
  @State(org.openjdk.jmh.annotations.Scope.Benchmark)
  public static class Traced extends Off {
    /** The share of new traces sampled, as in the gateway's {@code tracing.sampleRatio}. */
    @Param({"0", "0.01", "1"})
    public double ratio;

    /** Whether Breakwater's tracing listener is on, or only the application's span. */
    @Param({"true", "false"})
    public boolean listener;

    OpenTelemetrySdk sdk;
    Tracer tracer;
    final LongAdder exported = new LongAdder();

    @Override
    @Setup
    public void setup() {
      super.setup();
      SpanExporter discard = new SpanExporter() {
        @Override
        public CompletableResultCode export(Collection<SpanData> spans) {
          exported.add(spans.size());
          return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode flush() {
          return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode shutdown() {
          return CompletableResultCode.ofSuccess();
        }
      };
      sdk = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
          .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(ratio)))
          .addSpanProcessor(BatchSpanProcessor.builder(discard).build())
          .build()).build();
      tracer = sdk.getTracer("bench");
      pipeline = stack(listener ? new BreakwaterTracing(sdk) : null);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      sdk.getSdkTracerProvider().shutdown().join(5, TimeUnit.SECONDS);
    }
  }

  @Benchmark
  public String observedOff(Off s) {
    return s.pipeline.execute(s.ctx, s.upstream);
  }

  @Benchmark
  public String metricsNoHistograms(MetricsNoHistograms s) {
    return s.pipeline.execute(s.ctx, s.upstream);
  }

  @Benchmark
  public String metricsHistograms(Metrics s) {
    return s.pipeline.execute(s.ctx, s.upstream);
  }

  @Benchmark
  public String traced(Traced s) {
    Span span = s.tracer.spanBuilder("GET").setSpanKind(SpanKind.SERVER).startSpan();
    try (Scope ignored = span.makeCurrent()) {
      return s.pipeline.execute(s.ctx, s.upstream);
    } finally {
      span.end();
    }
  }
}
