package dev.breakwater.gateway.config;

import dev.breakwater.OperationKind;
import java.util.Locale;

/** How a route decides a call's {@link OperationKind}, which decides whether it may be retried. */
public enum RouteKind {
  /**
   * From the method: GET, HEAD and OPTIONS read; PUT and DELETE are idempotent; others write, unless the route's
   * idempotency policy deduplicates the request by its key.
   */
  AUTO,
  /** Every call reads. */
  READ,
  /** Every call is an idempotent write. */
  IDEMPOTENT_WRITE,
  /** Every call is a write (retried only when the route's idempotency policy deduplicates it by its key). */
  WRITE;

  /**
   * The kind of a call with this HTTP method, given whether the upstream deduplicates it: it carries an
   * {@code Idempotency-Key} AND the route's idempotency policy says {@code upstreamDeduplicates} (a key alone, or
   * the gateway's own records, deduplicate nothing upstream).
   */
  public OperationKind resolve(String method, boolean upstreamDeduplicates) {
    switch (this) {
      case READ:
        return OperationKind.READ;
      case IDEMPOTENT_WRITE:
        return OperationKind.IDEMPOTENT_WRITE;
      case WRITE:
        return OperationKind.WRITE;
      default:
        switch (method.toUpperCase(Locale.ROOT)) {
          case "GET":
          case "HEAD":
          case "OPTIONS":
            return OperationKind.READ;
          case "PUT":
          case "DELETE":
            return OperationKind.IDEMPOTENT_WRITE;
          default:
            return upstreamDeduplicates ? OperationKind.IDEMPOTENT_WRITE : OperationKind.WRITE;
        }
    }
  }

  /** The spelling in YAML, such as {@code idempotent_write}. */
  public String yamlName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
