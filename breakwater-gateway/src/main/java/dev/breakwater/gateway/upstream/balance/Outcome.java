package dev.breakwater.gateway.upstream.balance;

/** How one call to an endpoint went, as outlier detection and failback verification count it. */
public enum Outcome {
  /** An answer that is not a server error. */
  SUCCESS,
  /** No connection, a broken one, or a 5xx server error. */
  FAILURE,
  /** The attempt's timeout passed before the answer came. */
  TIMEOUT
}
