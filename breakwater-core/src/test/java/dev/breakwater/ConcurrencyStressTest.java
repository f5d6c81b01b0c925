package dev.breakwater;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.cache.CacheConfig;
import dev.breakwater.config.PipelineConfig;
import dev.breakwater.config.Policies;
import dev.breakwater.event.BreakwaterListener;
import dev.breakwater.idempotency.IdempotencyConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Shared state under real threads: one load for many concurrent misses, one execution for many duplicates. */
class ConcurrencyStressTest {
  private final ExecutorService pool = Executors.newFixedThreadPool(64);

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  @Test
  void sixtyFourConcurrentMissesLoadOnce() throws Exception {
    AtomicInteger shared = new AtomicInteger();
    CountDownLatch allWaiting = new CountDownLatch(63);
    Breakwater bw = Breakwater.builder()
        .policies(Policies.builder().cache("c", CacheConfig.of(Duration.ofMinutes(1))).build())
        .listener(new BreakwaterListener() {
          @Override
          public void onCache(Pipeline<?> p, CallContext ctx, dev.breakwater.event.CacheOutcome outcome) {
            if (outcome == dev.breakwater.event.CacheOutcome.LOAD_SHARED) {
              shared.incrementAndGet();
              allWaiting.countDown();
            }
          }
        }).build();
    Pipeline<String> p = bw.<String>pipeline(PipelineConfig.named("p").withUpstream("u").withCache("c")).build();
    AtomicInteger loads = new AtomicInteger();
    CyclicBarrier start = new CyclicBarrier(64);
    List<Future<String>> results = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      results.add(pool.submit(() -> {
        start.await();
        return p.execute(CallContext.read("contoso", "folders"), () -> {
          loads.incrementAndGet();
          // Hold the load until every other caller has joined it (bounded, in case one came after the load).
          allWaiting.await(10, TimeUnit.SECONDS);
          return "folders";
        });
      }));
    }
    for (Future<String> f : results) {
      assertThat(f.get(30, TimeUnit.SECONDS)).isEqualTo("folders");
    }
    assertThat(loads).hasValue(1);
    assertThat(shared).hasValue(63);
  }

  @Test
  void thirtyTwoConcurrentDuplicatesExecuteOnce() throws Exception {
    Breakwater bw = Breakwater.builder()
        .policies(Policies.builder().idempotency("i", IdempotencyConfig.defaults()).build()).build();
    Pipeline<String> p = bw.<String>pipeline(PipelineConfig.named("p").withUpstream("u").withIdempotency("i"))
        .build();
    CallContext send = CallContext.builder().tenant("contoso").operation("send").kind(OperationKind.WRITE)
        .idempotencyKey("order-7").fingerprint("POST /send body#1").build();
    AtomicInteger executions = new AtomicInteger();
    CyclicBarrier start = new CyclicBarrier(32);
    List<Future<String>> results = new ArrayList<>();
    for (int i = 0; i < 32; i++) {
      results.add(pool.submit(() -> {
        start.await();
        try {
          return p.execute(send, () -> {
            executions.incrementAndGet();
            return "sent";
          });
        } catch (BreakwaterException e) {
          return e.code().name();
        }
      }));
    }
    int sent = 0;
    for (Future<String> f : results) {
      String r = f.get(30, TimeUnit.SECONDS);
      assertThat(r).isIn("sent", "IDEMPOTENCY_CONFLICT");
      sent += r.equals("sent") ? 1 : 0;
    }
    assertThat(executions).hasValue(1);
    assertThat(sent).isGreaterThanOrEqualTo(1);
  }
}
