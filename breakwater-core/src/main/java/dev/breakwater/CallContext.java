package dev.breakwater;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Objects;

/**
 * What Breakwater knows about one call: who makes it (tenant, user), where it goes (upstream, domain, operation,
 * resource), what it does (kind, lane, cost) and its limits (deadline, idempotency key). Immutable; a context may be
 * reused across calls, and its correlation id is generated on first use when the caller gave none.
 */
public final class CallContext {
  private static final VarHandle CORRELATION_ID;

  static {
    try {
      CORRELATION_ID = MethodHandles.lookup().findVarHandle(CallContext.class, "correlationId", String.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final String tenant;
  private final String user;
  private final String upstream;
  private final String domain;
  private final String operation;
  private final String resource;
  private final OperationKind kind;
  private final Lane lane;
  private final int cost;
  private final Duration deadline;
  private final String idempotencyKey;
  private final String fingerprint;
  private final String credential;
  private final Criticality criticality;
  @SuppressWarnings("unused") // written through CORRELATION_ID
  private volatile String correlationId;

  private CallContext(Builder b) {
    this.tenant = b.tenant;
    this.user = b.user;
    this.upstream = b.upstream;
    this.domain = b.domain;
    this.operation = b.operation;
    this.resource = b.resource;
    this.kind = b.kind;
    this.lane = b.lane;
    this.cost = b.cost;
    this.deadline = b.deadline;
    this.idempotencyKey = b.idempotencyKey;
    this.fingerprint = b.fingerprint;
    this.credential = b.credential;
    this.criticality = b.criticality;
    this.correlationId = b.correlationId;
  }

  /** Starts a context; every field is optional and defaults to a READ, INTERACTIVE call of cost 1. */
  public static Builder builder() {
    return new Builder();
  }

  /** A context for a read of the given operation by the given tenant. */
  public static CallContext read(String tenant, String operation) {
    return builder().tenant(tenant).operation(operation).build();
  }

  /** Starts a builder holding this context's values. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.tenant = tenant;
    b.user = user;
    b.upstream = upstream;
    b.domain = domain;
    b.operation = operation;
    b.resource = resource;
    b.kind = kind;
    b.lane = lane;
    b.cost = cost;
    b.deadline = deadline;
    b.idempotencyKey = idempotencyKey;
    b.fingerprint = fingerprint;
    b.credential = credential;
    b.criticality = criticality;
    b.correlationId = (String) CORRELATION_ID.getVolatile(this);
    return b;
  }

  /** The tenant, or {@code null}. */
  public String tenant() {
    return tenant;
  }

  /** The user, or {@code null}. */
  public String user() {
    return user;
  }

  /** The upstream, or {@code null} to take the pipeline's. */
  public String upstream() {
    return upstream;
  }

  /** The domain (bulkhead lane such as mail, calendar, drive), or {@code null} to take the pipeline's. */
  public String domain() {
    return domain;
  }

  /** The operation (tool or endpoint name), or {@code null}. */
  public String operation() {
    return operation;
  }

  /** What the call is about (for example a path with its query), used in cache keys; or {@code null}. */
  public String resource() {
    return resource;
  }

  /** The operation kind. */
  public OperationKind kind() {
    return kind;
  }

  /** The priority lane. */
  public Lane lane() {
    return lane;
  }

  /** How many rate-limit tokens the call consumes. */
  public int cost() {
    return cost;
  }

  /** The caller's own deadline for the whole call, relative to its start, or {@code null}. */
  public Duration deadline() {
    return deadline;
  }

  /** The idempotency key, or {@code null}. */
  public String idempotencyKey() {
    return idempotencyKey;
  }

  /** A fingerprint of the request (for example a hash of method, path and body), compared on idempotent replay. */
  public String fingerprint() {
    return fingerprint;
  }

  /**
   * A digest of the credential the call carries (for example SHA-256 of its {@code Authorization} header), never the
   * credential itself; or {@code null} when it carries none. A private cache entry is served only to the same digest.
   */
  public String credential() {
    return credential;
  }

  /** How much the call matters when the service is degraded ({@link Criticality#STANDARD} unless set). */
  public Criticality criticality() {
    return criticality;
  }

  /** The correlation id, generated on first use when the caller gave none. */
  public String correlationId() {
    String id = (String) CORRELATION_ID.getVolatile(this);
    if (id != null) {
      return id;
    }
    String fresh = CorrelationIds.correlationId();
    String witness = (String) CORRELATION_ID.compareAndExchange(this, (String) null, fresh);
    return witness != null ? witness : fresh;
  }

  @Override
  public String toString() {
    return "CallContext{tenant=" + tenant + ", user=" + user + ", upstream=" + upstream + ", domain=" + domain
        + ", operation=" + operation + ", kind=" + kind + ", lane=" + lane + ", cost=" + cost
        + ", correlationId=" + correlationId() + '}';
  }

  /** Builds a {@link CallContext}. */
  public static final class Builder {
    private String tenant;
    private String user;
    private String upstream;
    private String domain;
    private String operation;
    private String resource;
    private OperationKind kind = OperationKind.READ;
    private Lane lane = Lane.INTERACTIVE;
    private int cost = 1;
    private Duration deadline;
    private String idempotencyKey;
    private String fingerprint;
    private String credential;
    private Criticality criticality = Criticality.STANDARD;
    private String correlationId;

    private Builder() {}

    /** Sets the tenant. */
    public Builder tenant(String tenant) {
      this.tenant = tenant;
      return this;
    }

    /** Sets the user. */
    public Builder user(String user) {
      this.user = user;
      return this;
    }

    /** Sets the upstream. */
    public Builder upstream(String upstream) {
      this.upstream = upstream;
      return this;
    }

    /** Sets the domain (bulkhead lane). */
    public Builder domain(String domain) {
      this.domain = domain;
      return this;
    }

    /** Sets the operation name. */
    public Builder operation(String operation) {
      this.operation = operation;
      return this;
    }

    /** Sets what the call is about, used in cache keys. */
    public Builder resource(String resource) {
      this.resource = resource;
      return this;
    }

    /** Sets the operation kind. */
    public Builder kind(OperationKind kind) {
      this.kind = Objects.requireNonNull(kind, "kind");
      return this;
    }

    /** Sets the priority lane. */
    public Builder lane(Lane lane) {
      this.lane = Objects.requireNonNull(lane, "lane");
      return this;
    }

    /** Sets the rate-limit cost. */
    public Builder cost(int cost) {
      if (cost < 1) {
        throw new IllegalArgumentException("cost: " + cost + " (expected: >= 1)");
      }
      this.cost = cost;
      return this;
    }

    /** Sets the caller's deadline for the whole call. */
    public Builder deadline(Duration deadline) {
      if (deadline != null && (deadline.isNegative() || deadline.isZero())) {
        throw new IllegalArgumentException("deadline: " + deadline + " (expected: > 0)");
      }
      this.deadline = deadline;
      return this;
    }

    /** Sets the idempotency key. */
    public Builder idempotencyKey(String idempotencyKey) {
      this.idempotencyKey = idempotencyKey;
      return this;
    }

    /** Sets the request fingerprint compared on idempotent replay. */
    public Builder fingerprint(String fingerprint) {
      this.fingerprint = fingerprint;
      return this;
    }

    /** Sets the digest of the call's credential (never the credential itself), which scopes private cache entries. */
    public Builder credential(String digest) {
      this.credential = digest;
      return this;
    }

    /** Sets how much the call matters when the service is degraded. */
    public Builder criticality(Criticality criticality) {
      this.criticality = Objects.requireNonNull(criticality, "criticality");
      return this;
    }

    /** Sets the correlation id. */
    public Builder correlationId(String correlationId) {
      this.correlationId = correlationId;
      return this;
    }

    /** Builds the context. */
    public CallContext build() {
      return new CallContext(this);
    }
  }
}
