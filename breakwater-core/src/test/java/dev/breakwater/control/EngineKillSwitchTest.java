package dev.breakwater.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.breakwater.Breakwater;
import dev.breakwater.BreakwaterException;
import dev.breakwater.CallContext;
import dev.breakwater.ErrorCode;
import dev.breakwater.Pipeline;
import dev.breakwater.config.PipelineConfig;
import dev.breakwater.config.Policies;
import dev.breakwater.ratelimit.RateLimitConfig;
import dev.breakwater.ratelimit.RateLimitScope;
import dev.breakwater.retry.RetryConfig;
import dev.breakwater.time.VirtualTimeSource;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The kill switch and the rollout act in the engine too, not only in the gateway: a call on the pass-through arm gets
 * no policy (no retry, no rate limit) but keeps the error contract (failures are BreakwaterExceptions with codes).
 */
class EngineKillSwitchTest {
  private final VirtualTimeSource time = new VirtualTimeSource();
  private final Breakwater bw = Breakwater.builder().timeSource(time).executor(Runnable::run).jitter(() -> 0.5)
      .policies(Policies.builder()
          .retry("r", RetryConfig.defaults().withBackoff(Duration.ofMillis(10), Duration.ofMillis(10))
              .withBudget(null))
          .rateLimit(RateLimitConfig.of("one-per-hour", RateLimitScope.TENANT, 1, Duration.ofHours(1)))
          .build())
      .build();
  private final Pipeline<String> mail = bw.<String>pipeline(PipelineConfig.named("mail").withUpstream("graph")
      .withRetry("r").withRateLimits(java.util.List.of("one-per-hour"))).build();
  private final AtomicInteger upstreamCalls = new AtomicInteger();

  private String failOnce() throws IOException {
    if (upstreamCalls.incrementAndGet() == 1) {
      throw new IOException("reset");
    }
    return "sent";
  }

  private static CallContext read(String tenant) {
    return CallContext.builder().tenant(tenant).operation("list").build();
  }

  private void set(ControlKind kind, Target target, Setting setting) {
    bw.controlPlane().set(ControlKey.of(kind, target), setting, "oncall", null).toCompletableFuture().join();
  }

  @Test
  void withTheKillSwitchOffACallRunsOnceWithoutItsPoliciesAndKeepsTheErrorContract() {
    set(ControlKind.ENABLED, Target.global(), new Setting.Enabled(false));

    assertThatThrownBy(() -> mail.execute(read("contoso"), this::failOnce))
        .isInstanceOfSatisfying(BreakwaterException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.UPSTREAM_ERROR));
    assertThat(upstreamCalls).as("no retry on the pass-through arm").hasValue(1);
    assertThat(mail.execute(read("contoso"), this::failOnce)).isEqualTo("sent");
    assertThat(mail.execute(read("contoso"), () -> "again")).as("no rate limit either").isEqualTo("again");
  }

  @Test
  void withTheKillSwitchOnTheSameCallIsRetriedAndRateLimited() {
    assertThat(mail.execute(read("contoso"), this::failOnce)).isEqualTo("sent");
    assertThat(upstreamCalls).hasValue(2);
    assertThatThrownBy(() -> mail.execute(read("contoso"), () -> "again"))
        .isInstanceOfSatisfying(BreakwaterException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.RATE_LIMITED));
  }

  @Test
  void aKillSwitchOnAnotherUpstreamLeavesThisOneResilient() {
    set(ControlKind.ENABLED, Target.upstream("llm"), new Setting.Enabled(false));

    assertThat(mail.execute(read("contoso"), this::failOnce)).isEqualTo("sent");
    assertThat(upstreamCalls).hasValue(2);
  }

  @Test
  void aRolloutOfZeroPassesEveryTenantThroughAndOfAHundredNone() {
    set(ControlKind.ROLLOUT, Target.route("mail"), new Setting.Rollout(0));
    for (int t = 0; t < 20; t++) {
      assertThat(mail.execute(read("tenant-" + t), () -> "ok")).isEqualTo("ok"); // never rate limited
      assertThat(mail.execute(read("tenant-" + t), () -> "ok")).isEqualTo("ok");
    }
    set(ControlKind.ROLLOUT, Target.route("mail"), new Setting.Rollout(100));
    assertThat(mail.execute(read("tenant-0"), () -> "ok")).as("the pass-through calls took no token").isEqualTo("ok");
    assertThatThrownBy(() -> mail.execute(read("tenant-0"), () -> "ok"))
        .isInstanceOfSatisfying(BreakwaterException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.RATE_LIMITED));
  }

  @Test
  void theAsynchronousApiTakesTheSameArm() {
    set(ControlKind.ENABLED, Target.global(), new Setting.Enabled(false));

    assertThat(mail.executeAsync(read("contoso"), () -> java.util.concurrent.CompletableFuture.failedFuture(
        new IOException("reset"))).toCompletableFuture()).isCompletedExceptionally();
    assertThat(mail.executeAsync(read("contoso"), () -> java.util.concurrent.CompletableFuture.completedFuture("x"))
        .toCompletableFuture().join()).isEqualTo("x");
  }
}
