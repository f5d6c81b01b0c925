package dev.breakwater.gateway.config;

import java.net.URI;
import java.util.Objects;

/**
 * Where the gateway sends its traces, from the optional top-level {@code tracing} section; read at start only.
 *
 * @param otlpEndpoint the OTLP/HTTP traces endpoint, such as {@code http://127.0.0.1:4318/v1/traces}
 * @param sampleRatio  the share of new traces sampled, from 0 to 1 (a caller's sampled flag is followed)
 * @param serviceName  the {@code service.name} resource attribute of every span
 */
public record TracingConfig(URI otlpEndpoint, double sampleRatio, String serviceName) {
  /** The default share of new traces sampled. */
  public static final double DEFAULT_SAMPLE_RATIO = 0.01;
  /** The default service name. */
  public static final String DEFAULT_SERVICE_NAME = "breakwater";

  /** Requires an endpoint, a ratio in [0, 1] and a service name. */
  public TracingConfig {
    Objects.requireNonNull(otlpEndpoint, "otlpEndpoint");
    Objects.requireNonNull(serviceName, "serviceName");
    if (!(sampleRatio >= 0 && sampleRatio <= 1)) {
      throw new IllegalArgumentException("tracing.sampleRatio: " + sampleRatio + " (expected: from 0 to 1)");
    }
  }
}
