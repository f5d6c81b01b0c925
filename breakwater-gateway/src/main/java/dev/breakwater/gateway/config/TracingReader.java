package dev.breakwater.gateway.config;

import dev.breakwater.gateway.config.YamlReader.Mapping;
import java.net.URI;

/** Reads the optional {@code tracing} section: the OTLP/HTTP endpoint, the sample ratio and the service name. */
final class TracingReader {
  static final String ENDPOINT_EXPECTED = "an http or https URL such as http://127.0.0.1:4318/v1/traces";

  private TracingReader() {}

  /** The tracing settings, or null when the section is absent or has a problem (reported). */
  static TracingConfig tracing(Mapping root) {
    if (!root.has("tracing")) {
      return null;
    }
    Mapping m = root.mapping("tracing");
    if (m == null) {
      return null;
    }
    URI endpoint = endpoint(m);
    double ratio = m.number("sampleRatio", TracingConfig.DEFAULT_SAMPLE_RATIO);
    if (!m.failed() && !(ratio >= 0 && ratio <= 1)) {
      m.problem("sampleRatio", "a number from 0 to 1, such as 0.01");
    }
    String service = m.string("serviceName", TracingConfig.DEFAULT_SERVICE_NAME);
    return m.failed() ? null : new TracingConfig(endpoint, ratio, service);
  }

  private static URI endpoint(Mapping m) {
    return m.requiredString("otlpEndpoint", ENDPOINT_EXPECTED) == null ? null
        : m.httpUrl("otlpEndpoint", ENDPOINT_EXPECTED);
  }
}
