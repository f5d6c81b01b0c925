package dev.breakwater.gateway.proxy;

import dev.breakwater.CallContext;
import dev.breakwater.Criticality;
import dev.breakwater.OperationKind;
import dev.breakwater.gateway.cache.CredentialDigest;
import dev.breakwater.gateway.config.HealthConfig;
import dev.breakwater.gateway.config.RouteConfig;
import dev.breakwater.gateway.http.CallerTimeout;
import dev.breakwater.gateway.http.IdempotencyHeader;
import dev.breakwater.gateway.http.RequestBody;
import dev.breakwater.gateway.runtime.RouteRuntime;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Step 5, what the pipeline is told about a call: its operation kind (from the method, the route and the key), lane,
 * cost, criticality (essential, or allow-listed for emergencies), the caller's deadline, and for a keyed request the
 * fingerprint its idempotency record is checked against.
 */
final class CallContexts {
  private CallContexts() {}

  /** The call context of a request on route {@code r} for {@code resource} (its normalised target). */
  static CallContext of(RouteRuntime rt, RouteConfig r, HttpServerRequest req, RequestBody body, String resource,
      String cid, String tenant, String user, String idemKey) {
    // A key makes a write repeatable only where the upstream deduplicates it (the route's policy says so).
    OperationKind kind = r.kind().resolve(req.method().name(),
        IdempotencyHeader.repeatable(rt.idempotencyOf(r), idemKey));
    if (body.stream() != null && kind.retryable(false)) {
      kind = OperationKind.WRITE; // a streamed body can be sent once: nothing retries it
    }
    return CallContext.builder()
        .tenant(tenant).user(user).upstream(r.upstream()).domain(r.domain()).operation(r.operation())
        .resource(resource).kind(kind).lane(r.lane().resolve(req.getHeader("X-Breakwater-Lane"))).cost(r.cost())
        .idempotencyKey(idemKey).fingerprint(idemKey == null ? null : fingerprint(req, body.whole()))
        .deadline(CallerTimeout.parse(req.getHeader(CallerTimeout.HEADER)))
        // Private cache entries are keyed by a digest of the credential (never the credential itself).
        .credential(r.cache() == null ? null : CredentialDigest.of(req.headers()))
        .criticality(criticality(rt, r, tenant))
        .correlationId(cid).build();
  }

  /** Allow-listed for emergencies (the route or the tenant): critical; a route marked not essential: non-essential. */
  private static Criticality criticality(RouteRuntime rt, RouteConfig r, String tenant) {
    HealthConfig h = rt.config().health();
    if (h.emergencyRoutes().contains(r.name()) || tenant != null && h.emergencyTenants().contains(tenant)) {
      return Criticality.CRITICAL;
    }
    return r.essential() ? Criticality.STANDARD : Criticality.NON_ESSENTIAL;
  }

  private static String fingerprint(HttpServerRequest req, Buffer body) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      d.update((req.method().name() + " " + req.uri() + "\n").getBytes(StandardCharsets.UTF_8));
      d.update(body.getBytes());
      return java.util.HexFormat.of().formatHex(d.digest());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
