package dev.breakwater.gateway.http;

import dev.breakwater.BreakwaterException;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

/**
 * What a keyed write's idempotency record keeps when the write failed after it may have run upstream (decision 0041):
 * the problem its caller got, saying the outcome is unknown, so that a repeat of the key gets the same answer instead
 * of running the write a second time.
 */
public final class UnknownOutcome {
  private UnknownOutcome() {}

  /** The stored answer for a keyed call that failed with {@code e}. */
  public static UpstreamResponse answer(BreakwaterException e) {
    String detail = "an earlier request with this idempotency key failed after it may have reached the upstream ("
        + e.getMessage() + "); it is not sent again: check whether it took effect, and use a new key to try again";
    Problem.Rendered p = Problem.render(e.code(), e.code().httpStatus(), detail, -1, e.correlationId());
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("Content-Type", Problem.MEDIA_TYPE);
    return new UpstreamResponse(p.status(), headers, Buffer.buffer(p.json()));
  }
}
