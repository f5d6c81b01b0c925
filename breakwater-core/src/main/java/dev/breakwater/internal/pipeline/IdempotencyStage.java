package dev.breakwater.internal.pipeline;

import dev.breakwater.BreakwaterException;
import dev.breakwater.CallContext;
import dev.breakwater.CallResult;
import dev.breakwater.ErrorCode;
import dev.breakwater.Pipeline;
import dev.breakwater.Source;
import dev.breakwater.classify.Classifier;
import dev.breakwater.event.Events;
import dev.breakwater.event.IdempotencyOutcome;
import dev.breakwater.idempotency.IdempotencyConfig;
import dev.breakwater.idempotency.Reservation;
import dev.breakwater.spi.IdempotencyStore;
import dev.breakwater.spi.StoreKeys;
import dev.breakwater.time.TimeSource;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Idempotency for a call with a key: reserve the key (a replay answers from the record, a conflict or a mismatch is
 * refused), run the call, then complete the record with its value. A failure that proves the call did not run (a
 * refusal before any attempt, a throttled answer, a connection never made) releases the key; one after which it may
 * have run upstream keeps it (decision 0041): the record takes the pipeline's unknown-outcome answer, or stays
 * reserved until its lease ends, so a repeat of the key is not run a second time. A store that cannot answer refuses
 * the call rather than guessing (decision 0021).
 */
final class IdempotencyStage<T> {
  private final Pipeline<T> pipeline;
  private final TimeSource time;
  private final Events events;
  private final IdempotencyConfig idempotency;
  private final IdempotencyStore<T> idempotencyStore;
  private final AdmissionStage<T> next;
  private final java.util.function.Function<BreakwaterException, T> unknownOutcome;

  IdempotencyStage(PipelinePlan<T> plan, AdmissionStage<T> next) {
    this.pipeline = plan.pipeline;
    this.time = plan.time;
    this.events = plan.events;
    this.idempotency = plan.idempotency;
    this.idempotencyStore = plan.idempotencyStore;
    this.next = next;
    this.unknownOutcome = plan.unknownOutcome;
  }

  /** Synchronous step: reserve, run {@code next}, complete or release; a replay sets {@code h}'s source. */
  T sync(CallContext ctx, Callable<? extends T> call, long start, long deadline, SourceHolder h) {
    if (idempotency == null || ctx.idempotencyKey() == null) {
      return next.sync(ctx, call, start, deadline, h);
    }
    String key = idempotencyKey(ctx);
    Reservation<T> r;
    try {
      r = idempotencyStore.reserve(key, ctx.fingerprint(), lease(deadline), idempotency.whenStoreUnavailable());
    } catch (BreakwaterException e) {
      throw storeRefused(ctx, e);
    }
    if (r.status() == Reservation.Status.REPLAY) {
      idempotencyEvent(ctx, IdempotencyOutcome.REPLAYED);
      if (h != null) {
        h.source = Source.REPLAY;
      }
      return r.value();
    }
    checkReservation(ctx, r);
    try {
      T v = next.sync(ctx, call, start, deadline, h);
      idempotencyStore.complete(key, ctx.fingerprint(), v, idempotency.ttl());
      return v;
    } catch (RuntimeException e) {
      BreakwaterException unknown = mayHaveRun(e);
      if (unknown == null) {
        idempotencyStore.release(key, ctx.fingerprint());
        idempotencyEvent(ctx, IdempotencyOutcome.RELEASED);
      } else {
        if (unknownOutcome != null) {
          idempotencyStore.complete(key, ctx.fingerprint(), unknownOutcome.apply(unknown), idempotency.ttl());
        }
        idempotencyEvent(ctx, IdempotencyOutcome.KEPT);
      }
      throw e;
    }
  }

  /** Asynchronous step: as {@link #sync}, with the store's asynchronous calls. */
  CompletableFuture<CallResult<T>> async(CallContext ctx, Supplier<? extends CompletionStage<? extends T>> call,
      long deadline, SourceHolder h) {
    if (idempotency == null || ctx.idempotencyKey() == null) {
      return next.async(ctx, call, deadline, h).thenApply(v -> new CallResult<>(v, Source.UPSTREAM));
    }
    String key = idempotencyKey(ctx);
    return idempotencyStore.reserveAsync(key, ctx.fingerprint(), lease(deadline), idempotency.whenStoreUnavailable())
        .toCompletableFuture().<Reservation<T>>handle((r, e) -> {
          if (e != null) {
            Throwable c = Classifier.unwrap(e);
            throw c instanceof BreakwaterException ? storeRefused(ctx, (BreakwaterException) c)
                : new CompletionException(c);
          }
          return r;
        }).thenCompose(r -> {
          if (r.status() == Reservation.Status.REPLAY) {
            idempotencyEvent(ctx, IdempotencyOutcome.REPLAYED);
            return CompletableFuture.completedFuture(new CallResult<>(r.value(), Source.REPLAY));
          }
          checkReservation(ctx, r);
          CompletableFuture<CallResult<T>> done = new CompletableFuture<>();
          Failures.guard(() -> next.async(ctx, call, deadline, h)).whenComplete((v, e) -> {
            if (e == null) {
              idempotencyStore.completeAsync(key, ctx.fingerprint(), v, idempotency.ttl())
                  .whenComplete((x, storeError) -> {
                    if (storeError != null) {
                      // The call ran; failing it now would invite a duplicate. Answer, and report the lost record.
                      events.internalError("idempotency store complete", storeError);
                    }
                    done.complete(new CallResult<>(v, Source.UPSTREAM));
                  });
            } else {
              BreakwaterException unknown = mayHaveRun(e);
              CompletionStage<Void> kept = unknown == null ? idempotencyStore.releaseAsync(key, ctx.fingerprint())
                  : unknownOutcome == null ? CompletableFuture.completedFuture(null)
                  : idempotencyStore.completeAsync(key, ctx.fingerprint(), unknownOutcome.apply(unknown),
                      idempotency.ttl());
              kept.whenComplete((x, storeError) -> {
                if (storeError != null) {
                  // The key stays reserved until its lease ends; the caller still gets the call's own error.
                  events.internalError(unknown == null ? "idempotency store release" : "idempotency store keep",
                      storeError);
                }
                idempotencyEvent(ctx, unknown == null ? IdempotencyOutcome.RELEASED : IdempotencyOutcome.KEPT);
                done.completeExceptionally(e);
              });
            }
          });
          return done;
        });
  }

  /**
   * The failure as a BreakwaterException when the call may have run upstream before it failed (an attempt timed out,
   * the upstream answered a 5xx, or the connection broke once made), else null: a refusal before any attempt, a
   * throttled or client-error answer, or a connection never made proves it did not run.
   */
  static BreakwaterException mayHaveRun(Throwable e) {
    Throwable c = Classifier.unwrap(e);
    if (!(c instanceof BreakwaterException b)) {
      return null; // not a call failure (a bug in a stage): the key is released as before
    }
    if (b.code() != ErrorCode.TIMEOUT && b.code() != ErrorCode.UPSTREAM_ERROR) {
      return null;
    }
    for (Throwable t = b.getCause(); t != null; t = t.getCause()) {
      if (t instanceof java.net.ConnectException) {
        return null; // nothing of the request was sent
      }
    }
    return b;
  }

  private String idempotencyKey(CallContext ctx) {
    String key = ctx.idempotencyKey();
    if (key.isEmpty() || key.length() > idempotency.maxKeyLength()) {
      throw new BreakwaterException(ErrorCode.INVALID_REQUEST, "idempotency key: length " + key.length()
          + " (expected: 1 to " + idempotency.maxKeyLength() + " characters)", null, ctx.correlationId());
    }
    // Scoped by tenant, user and operation: nobody else's request, even one of the same tenant, replays a response.
    return StoreKeys.of(ctx.tenant(), ctx.user(), ctx.operation(), key);
  }

  private Duration lease(long deadline) {
    long left = deadline - time.nanoTime();
    return left < idempotency.lease().toNanos() && left > 0 ? Duration.ofNanos(left) : idempotency.lease();
  }

  private void checkReservation(CallContext ctx, Reservation<T> r) {
    if (r.status() == Reservation.Status.CONFLICT) {
      idempotencyEvent(ctx, IdempotencyOutcome.CONFLICT);
      throw new BreakwaterException(ErrorCode.IDEMPOTENCY_CONFLICT, "a request with this idempotency key is in "
          + "flight", Duration.ofSeconds(1), ctx.correlationId());
    }
    if (r.status() == Reservation.Status.MISMATCH) {
      idempotencyEvent(ctx, IdempotencyOutcome.MISMATCH);
      throw new BreakwaterException(ErrorCode.IDEMPOTENCY_MISMATCH, "this idempotency key was used with a "
          + "different request", null, ctx.correlationId());
    }
    idempotencyEvent(ctx, IdempotencyOutcome.RESERVED);
  }

  /** The store refused to decide (it cannot answer and the policy refuses): counted, with this call's id. */
  private BreakwaterException storeRefused(CallContext ctx, BreakwaterException e) {
    idempotencyEvent(ctx, IdempotencyOutcome.REFUSED);
    return e.withCorrelationId(ctx.correlationId());
  }

  private void idempotencyEvent(CallContext ctx, IdempotencyOutcome outcome) {
    if (events.active()) {
      events.emit(l -> l.onIdempotency(pipeline, ctx, outcome));
    }
  }
}
