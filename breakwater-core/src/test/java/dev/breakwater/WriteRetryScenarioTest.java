package dev.breakwater;

import static dev.breakwater.testing.Harness.fail;
import static dev.breakwater.testing.Harness.slow;
import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.config.PipelineConfig;
import dev.breakwater.config.Policies;
import dev.breakwater.idempotency.IdempotencyConfig;
import dev.breakwater.retry.RetryConfig;
import dev.breakwater.testing.Harness;
import dev.breakwater.testing.Harness.Mode;
import dev.breakwater.testing.Harness.Outcome;
import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A write is repeated only when repeating it cannot run it twice: the upstream deduplicates it (a key, under a policy
 * saying the upstream honours keys), or its connection was never established. Breakwater's own idempotency records
 * answer the caller's repeats; they never make its own repeated attempt safe. Both APIs, on virtual time.
 */
class WriteRetryScenarioTest {
  private final Harness h = new Harness();

  private Pipeline<String> pipeline(PipelineConfig c) {
    Policies policies = Policies.builder()
        .retry("r", RetryConfig.defaults().withBackoff(Duration.ofMillis(100), Duration.ofSeconds(1)).withBudget(null))
        .idempotency("i", IdempotencyConfig.defaults())
        .idempotency("upstream-dedupes", IdempotencyConfig.defaults().withUpstreamDeduplicates(true))
        .build();
    return h.engine().policies(policies).build().<String>pipeline(c).build();
  }

  private static PipelineConfig graph() {
    return PipelineConfig.named("graph").withUpstream("graph").withRetry("r");
  }

  private static CallContext keyedWrite() {
    return CallContext.builder().tenant("contoso").user("alice").operation("send").kind(OperationKind.WRITE)
        .idempotencyKey("order-7").fingerprint("POST /send #1").build();
  }

  private static BreakwaterException serverError() {
    return new BreakwaterException(ErrorCode.UPSTREAM_ERROR, "503 after executing", null, null);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aKeyedWriteWithoutAnIdempotencyPolicyIsNeverRetried(Mode mode) {
    Outcome o = h.otherwise(fail(serverError())).run(mode, pipeline(graph()), keyedWrite());
    assertThat(o.error().code()).isEqualTo(ErrorCode.UPSTREAM_ERROR);
    assertThat(h.upstreamCalls).as("nothing deduplicates it: a retry could execute it twice").hasValue(1);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aKeyedWriteUnderAnIdempotencyPolicyIsNotRetriedWhenTheUpstreamMayHaveRunIt(Mode mode) {
    Outcome o = h.script(fail(serverError())).run(mode, pipeline(graph().withIdempotency("i")), keyedWrite());
    assertThat(o.error().code()).isEqualTo(ErrorCode.UPSTREAM_ERROR);
    assertThat(h.upstreamCalls).as("the records answer the caller's repeats; a repeated attempt would run it twice")
        .hasValue(1);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aKeyedWriteThatTimedOutIsNotRetriedWhenTheUpstreamMayHaveRunIt(Mode mode) {
    Policies policies = Policies.builder()
        .timeout("quick", dev.breakwater.config.TimeoutConfig.of(Duration.ofMillis(300), Duration.ofSeconds(3)))
        .retry("r", RetryConfig.defaults().withBackoff(Duration.ofMillis(100), Duration.ofSeconds(1)).withBudget(null))
        .idempotency("i", IdempotencyConfig.defaults())
        .build();
    Pipeline<String> p = h.engine().policies(policies).build().<String>pipeline(graph().withIdempotency("i")
        .withTimeout("quick")).build();

    Outcome o = h.otherwise(slow(Duration.ofSeconds(1), "sent")).run(mode, p, keyedWrite());

    assertThat(o.error().code()).isEqualTo(ErrorCode.TIMEOUT);
    assertThat(h.upstreamCalls).hasValue(1);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aKeyedWriteIsRetriedWhenTheUpstreamDeduplicatesItsKeys(Mode mode) {
    Outcome o = h.script(fail(serverError())).run(mode, pipeline(graph().withIdempotency("upstream-dedupes")),
        keyedWrite());
    assertThat(o.value()).isEqualTo("ok");
    assertThat(h.upstreamCalls).hasValue(2);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void anUnkeyedWriteIsNotRetriedEvenWhenTheUpstreamDeduplicatesKeys(Mode mode) {
    CallContext unkeyed = CallContext.builder().tenant("contoso").user("alice").operation("send")
        .kind(OperationKind.WRITE).build();
    Outcome o = h.otherwise(fail(serverError())).run(mode, pipeline(graph().withIdempotency("upstream-dedupes")),
        unkeyed);
    assertThat(o.error().code()).isEqualTo(ErrorCode.UPSTREAM_ERROR);
    assertThat(h.upstreamCalls).hasValue(1);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aWriteWhoseConnectionWasRefusedIsRetriedOnceAndOnlyOnce(Mode mode) {
    CallContext write = keyedWrite().toBuilder().idempotencyKey(null).fingerprint(null).build();
    Outcome o = h.otherwise(fail(new ConnectException("Connection refused"))).run(mode, pipeline(graph()), write);
    assertThat(o.error().code()).isEqualTo(ErrorCode.UPSTREAM_ERROR);
    assertThat(h.upstreamCalls).as("nothing was sent the first time; the retry policy would allow 3").hasValue(2);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aWriteRefusedOnceThenAcceptedSucceeds(Mode mode) {
    CallContext write = keyedWrite().toBuilder().idempotencyKey(null).fingerprint(null).build();
    Outcome o = h.script(fail(new ConnectException("Connection refused"))).run(mode, pipeline(graph()), write);
    assertThat(o.value()).isEqualTo("ok");
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aWriteCutOffAfterItsConnectionOpenedIsNeverRetried(Mode mode) {
    CallContext write = keyedWrite().toBuilder().idempotencyKey(null).fingerprint(null).build();
    h.otherwise(fail(new IOException("Connection reset"))).run(mode, pipeline(graph()), write);
    assertThat(h.upstreamCalls).hasValue(1);
  }
}
