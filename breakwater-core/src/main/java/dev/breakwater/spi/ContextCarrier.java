package dev.breakwater.spi;

/**
 * Carries the caller's ambient context (a trace span, a logging context) across the thread hops of an asynchronous
 * call: the engine captures it when the call starts and makes it current around every continuation it runs on another
 * thread (a backoff's timer, the executor after a bulkhead wait or a rate-limit decision, an attempt's timeout, the
 * completion of the upstream's future). A listener that also implements this interface is used as a carrier too.
 */
public interface ContextCarrier {
  /**
   * Captures the calling thread's context; called once per asynchronous call, on the caller's thread. Null when there
   * is nothing worth carrying (no span, or one that records nothing): the call then pays nothing for carrying.
   */
  Captured capture();

  /** A context captured at the start of a call. */
  interface Captured {
    /** Makes the context current on this thread until the returned scope is closed. */
    Scope open();
  }

  /** The span of a continuation during which a captured context is current. */
  interface Scope extends AutoCloseable {
    /** Restores the thread's previous context. */
    @Override
    void close();
  }
}
