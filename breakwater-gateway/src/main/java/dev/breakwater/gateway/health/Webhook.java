package dev.breakwater.gateway.health;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POSTs health-rule transitions to a configured URL as JSON, fire and forget: a webhook that fails or is slow is
 * logged and never holds anything up (each POST is bounded by a 5 s timeout).
 */
public final class Webhook implements Consumer<String>, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Webhook.class);
  private static final long TIMEOUT_MILLIS = 5000;

  private final HttpClient client;
  private final URI url;

  /** A webhook to {@code url} on {@code vertx}. */
  public Webhook(Vertx vertx, URI url) {
    this.url = url;
    this.client = vertx.createHttpClient(new HttpClientOptions().setSsl("https".equalsIgnoreCase(url.getScheme())));
  }

  @Override
  public void accept(String json) {
    RequestOptions o = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url.toString())
        .setTimeout(TIMEOUT_MILLIS).putHeader("Content-Type", "application/json");
    client.request(o).compose(req -> req.send(json)).onComplete(r -> {
      if (r.failed()) {
        LOG.warn("health webhook {} failed: {}", url, r.cause().getMessage());
      } else if (r.result().statusCode() >= 300) {
        LOG.warn("health webhook {} answered {}", url, r.result().statusCode());
      }
    });
  }

  @Override
  public void close() {
    client.close();
  }
}
