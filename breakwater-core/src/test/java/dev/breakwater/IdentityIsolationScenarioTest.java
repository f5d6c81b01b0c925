package dev.breakwater;

import static dev.breakwater.testing.Harness.fail;
import static dev.breakwater.testing.Harness.ok;
import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.cache.CacheConfig;
import dev.breakwater.config.PipelineConfig;
import dev.breakwater.config.Policies;
import dev.breakwater.fallback.Fallback;
import dev.breakwater.idempotency.IdempotencyConfig;
import dev.breakwater.ratelimit.RateLimitConfig;
import dev.breakwater.ratelimit.RateLimitScope;
import dev.breakwater.testing.Harness;
import dev.breakwater.testing.Harness.Mode;
import dev.breakwater.testing.Harness.Outcome;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Identity isolation through the real pipeline, both APIs on virtual time: ids that contain what used to be a key
 * delimiter ({@code :}, U+001F) never reach another tenant's or user's state, and idempotent replays stay with the
 * user who made the request.
 */
class IdentityIsolationScenarioTest {
  private final Harness h = new Harness();

  private Pipeline<String> pipeline(PipelineConfig c) {
    Policies policies = Policies.builder()
        .idempotency("i", IdempotencyConfig.defaults())
        .cache("c", CacheConfig.of(Duration.ofSeconds(30)))
        .rateLimit(RateLimitConfig.of("per-user", RateLimitScope.USER, 1, Duration.ofSeconds(1)))
        .build();
    return h.engine().policies(policies).build().<String>pipeline(c).build();
  }

  private static PipelineConfig graph() {
    return PipelineConfig.named("graph").withUpstream("graph");
  }

  private static CallContext read(String tenant, String user) {
    return CallContext.builder().tenant(tenant).user(user).operation("me").resource("/me").build();
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aCachedReadIsNeverServedToAnotherTenantWhoseIdsSplitOnAColonTheOtherWay(Mode mode) {
    Pipeline<String> p = pipeline(graph().withCache("c"));
    assertThat(h.script(ok("profile of tA/z:u")).run(mode, p, read("tA", "z:u")).value())
        .isEqualTo("profile of tA/z:u");
    Outcome other = h.script(ok("profile of tA:z/u")).run(mode, p, read("tA:z", "u"));
    assertThat(other.value()).isEqualTo("profile of tA:z/u");
    assertThat(other.result().source()).isEqualTo(Source.UPSTREAM);
    assertThat(h.upstreamCalls).hasValue(2);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aCachedReadIsNeverServedToAnotherTenantWhoseIdsSplitOnUnitSeparatorTheOtherWay(Mode mode) {
    Pipeline<String> p = pipeline(graph().withCache("c"));
    h.script(ok("a")).run(mode, p, read("tA", "z\u001fu"));
    assertThat(h.script(ok("b")).run(mode, p, read("tA\u001fz", "u")).value()).isEqualTo("b");
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void anAbsentTenantNeverSharesACacheEntryWithTheEmptyTenant(Mode mode) {
    Pipeline<String> p = pipeline(graph().withCache("c"));
    h.script(ok("no tenant")).run(mode, p, read(null, "u"));
    assertThat(h.script(ok("empty tenant")).run(mode, p, read("", "u")).value()).isEqualTo("empty tenant");
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void theLastGoodValueOfOneTenantNeverStandsInForAnotherWhoseIdsSplitTheOtherWay(Mode mode) {
    Pipeline<String> p = h.engine().policies(Policies.builder().build()).build().<String>pipeline(graph())
        .fallback(Fallback.lastGood()).build();
    h.script(ok("secret of tA\u001fz")).run(mode, p, read("tA\u001fz", "u"));
    Outcome o = h.otherwise(fail(new IOException("down"))).run(mode, p, read("tA", "z\u001fu"));
    assertThat(o.error()).as("no last-good value of its own: the failure shows").isNotNull();
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aPerUserRateLimitIsNeverChargedToAnotherTenantWhoseIdsSplitTheOtherWay(Mode mode) {
    Pipeline<String> p = pipeline(graph().withRateLimits(List.of("per-user")));
    assertThat(h.run(mode, p, read("tA", "z\u001fu")).value()).isEqualTo("ok");
    assertThat(h.run(mode, p, read("tA\u001fz", "u")).value()).isEqualTo("ok");
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void anIdempotentResponseIsNeverReplayedToAnotherUserOfTheTenant(Mode mode) {
    Pipeline<String> p = pipeline(graph().withIdempotency("i"));
    CallContext u1 = CallContext.builder().tenant("contoso").user("u1").operation("send").kind(OperationKind.WRITE)
        .idempotencyKey("order-7").fingerprint("POST /send #1").build();
    assertThat(h.script(ok("201 for u1")).run(mode, p, u1).value()).isEqualTo("201 for u1");
    Outcome u2 = h.script(ok("201 for u2")).run(mode, p, u1.toBuilder().user("u2").build());
    assertThat(u2.value()).isEqualTo("201 for u2");
    assertThat(u2.result().source()).isEqualTo(Source.UPSTREAM);
    assertThat(h.run(mode, p, u1).result().source()).as("u1's own duplicate still replays").isEqualTo(Source.REPLAY);
    assertThat(h.upstreamCalls).hasValue(2);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void anIdempotentResponseIsNeverReplayedToAnotherTenantWhoseIdsSplitTheOtherWay(Mode mode) {
    Pipeline<String> p = pipeline(graph().withIdempotency("i"));
    CallContext a = CallContext.builder().tenant("tA").operation("z\u001fsend").kind(OperationKind.WRITE)
        .idempotencyKey("k").fingerprint("f").build();
    h.script(ok("tA's")).run(mode, p, a);
    CallContext b = a.toBuilder().tenant("tA\u001fz").operation("send").build();
    assertThat(h.script(ok("theirs")).run(mode, p, b).value()).isEqualTo("theirs");
  }
}
