package dev.breakwater.gateway.upstream;

/**
 * One call's tries across an upstream's endpoints, kept across the pipeline's attempts: a retry goes to an endpoint
 * the call has not tried yet while there is one, and the next group takes over a call that may be repeated.
 */
public final class UpstreamCall {
  private final boolean mayRepeat;
  private final String tenant;
  private volatile long tried;

  /**
   * A call of {@code tenant} (null for none; it picks the shard of a sharded upstream); {@code mayRepeat} when sending
   * it twice is safe (a read, an idempotent write, a deduplicated write with its body in hand), which lets a 5xx
   * answer or a broken connection move it to another endpoint.
   */
  public UpstreamCall(boolean mayRepeat, String tenant) {
    this.mayRepeat = mayRepeat;
    this.tenant = tenant;
  }

  /** The calling tenant, or null. */
  String tenant() {
    return tenant;
  }

  /** Whether the call may be sent again after it may have reached an endpoint. */
  boolean mayRepeat() {
    return mayRepeat;
  }

  /** The endpoints tried, one bit each. */
  long tried() {
    return tried;
  }

  /** Notes that endpoint {@code i} was tried. */
  synchronized void tried(int i) {
    tried |= 1L << i;
  }
}
