package dev.breakwater.gateway.upstream;

import dev.breakwater.gateway.config.HealthCheckConfig;
import dev.breakwater.gateway.config.UpstreamConfig;
import dev.breakwater.gateway.upstream.balance.EndpointSelector;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An upstream's timers: every health-check interval a GET of the check path on each endpoint (2xx within the check
 * timeout passes), and the selector's {@link EndpointSelector#tick} so that time-driven steps happen without calls.
 */
final class HealthChecker implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HealthChecker.class);
  /** The longest wait between two ticks: ejections end and verification windows close at most this late. */
  private static final long MAX_TICK_MILLIS = 1000;

  private final Vertx vertx;
  private final EndpointSelector selector;
  private final HealthCheckConfig check;
  private final HttpClient client;
  /** Endpoints whose check is in flight (touched on the timer's loop only): a slow one is not checked twice. */
  private final boolean[] checking;
  private final long checkTimer;
  private final long tickTimer;

  /** Starts checking {@code u}'s endpoints (when it has a health check) and ticking {@code selector}. */
  HealthChecker(Vertx vertx, UpstreamConfig u, EndpointSelector selector) {
    this.vertx = vertx;
    this.selector = selector;
    this.check = u.healthCheck();
    this.checking = new boolean[selector.size()];
    // Kept alive: a dead endpoint breaks the connection, and the next check has to make a new one.
    this.client = check == null ? null : vertx.createHttpClient(UpstreamClients.options(u));
    this.checkTimer = check == null ? -1 : vertx.setPeriodic(check.interval().toMillis(), t -> checkAll());
    long tick = Math.min(MAX_TICK_MILLIS, Math.max(10, Math.min(u.outlierDetection().baseEjection().toMillis(),
        u.failback().verifyWindow().toMillis()) / 4));
    if (check != null) {
      tick = Math.min(tick, check.interval().toMillis());
    }
    this.tickTimer = vertx.setPeriodic(tick, t -> selector.tick());
  }

  private void checkAll() {
    for (int i = 0; i < selector.size(); i++) {
      checkOne(i);
    }
  }

  private void checkOne(int i) {
    if (checking[i]) {
      return;
    }
    checking[i] = true;
    URI e = selector.uri(i);
    String basePath = e.getPath() == null || e.getPath().equals("/") ? "" : e.getPath();
    RequestOptions ro = new RequestOptions().setMethod(HttpMethod.GET).setHost(e.getHost())
        .setPort(UpstreamClients.port(e)).setSsl("https".equals(e.getScheme())).setURI(basePath + check.path())
        .setTimeout(check.timeout().toMillis()).putHeader("User-Agent", "breakwater-health-check");
    client.request(ro)
        .compose(req -> req.send())
        .compose(resp -> resp.body().map(b -> resp.statusCode()))
        .onComplete(r -> {
          checking[i] = false;
          boolean passed = r.succeeded() && r.result() >= 200 && r.result() < 300;
          if (!passed) {
            LOG.debug("health check of {} failed: {}", e, r.succeeded() ? "status " + r.result() : r.cause().toString());
          }
          selector.checked(i, passed);
        });
  }

  /** Stops the timers and closes the check client. */
  @Override
  public void close() {
    if (checkTimer >= 0) {
      vertx.cancelTimer(checkTimer);
    }
    vertx.cancelTimer(tickTimer);
    if (client != null) {
      client.close();
    }
  }
}
