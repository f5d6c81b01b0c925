package dev.breakwater.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.breakwater.config.ConfigException;
import dev.breakwater.control.ControlCodec;
import dev.breakwater.control.ControlEntry;
import dev.breakwater.control.ControlKey;
import dev.breakwater.control.ControlKind;
import dev.breakwater.control.Setting;
import dev.breakwater.control.Target;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** What a fault may be: defaults per kind, the limits, and fields that do not fit the kind refused. */
class FaultSpecTest {
  private static final FaultTarget ROUTE = FaultTarget.route("list");

  @Test
  void eachKindGetsItsDefaults() {
    assertThat(FaultSpec.of(FaultKind.ERROR, ROUTE, null, null, null, null, null, null, null))
        .isEqualTo(new FaultSpec(FaultKind.ERROR, ROUTE, null, 503, null, 100, null, null, Duration.ofMinutes(10)));
    assertThat(FaultSpec.of(FaultKind.THROTTLE, ROUTE, null, null, null, null, null, null, null).retryAfter())
        .isEqualTo(Duration.ofSeconds(1));
    assertThat(FaultSpec.of(FaultKind.ABORT, ROUTE, null, null, null, 5.0, null, null, Duration.ofHours(1))
        .duration()).isEqualTo(FaultSpec.MAX_DURATION);
  }

  @Test
  void refusalsNameTheFieldTheValueAndTheFix() {
    assertThatThrownBy(() -> FaultSpec.of(FaultKind.DELAY, ROUTE, Duration.ofHours(2), null, null, null, null, null,
        null)).isInstanceOf(ConfigException.class)
        .hasMessage("delay: 2h (expected: a positive duration of at most 1h, such as 2s)");
    assertThatThrownBy(() -> FaultSpec.of(FaultKind.ERROR, ROUTE, null, 200, null, null, null, null, null))
        .hasMessage("status: 200 (expected: an HTTP error status from 400 to 599)");
    assertThatThrownBy(() -> FaultSpec.of(FaultKind.ABORT, ROUTE, null, null, Duration.ofSeconds(2), null, null, null,
        null)).hasMessage("retryAfter: 2s (expected: no retryAfter: it applies to kind throttle only)");
    assertThatThrownBy(() -> FaultSpec.of(FaultKind.ABORT, ROUTE, null, null, null, Double.NaN, null, null, null))
        .hasMessage("percent: NaN (expected: a percentage from 0 to 100)");
    assertThatThrownBy(() -> FaultSpec.of(FaultKind.ABORT, null, null, null, null, null, null, null, null))
        .hasMessage("route: null (expected: exactly one of route and upstream)");
    assertThatThrownBy(() -> FaultSpec.of(FaultKind.ABORT, ROUTE, null, null, null, null, " ", null, null))
        .hasMessage("tenant:   (expected: a tenant name)");
    assertThatThrownBy(() -> FaultSpec.of(FaultKind.ABORT, ROUTE, null, null, null, null, null, null,
        Duration.ZERO)).hasMessage("duration: 0s (expected: a positive duration of at most 1h, such as 10m (the"
            + " default))");
    assertThatThrownBy(() -> new FaultSpec.HeaderMatch("X-Drill", "")).hasMessage("header.value:  (expected: a value"
        + " of visible ASCII characters)");
    assertThatThrownBy(() -> FaultTarget.upstream("")).hasMessage("upstream:  (expected: an upstream's name)");
  }

  @Test
  void aDrillDescribesItselfForTheLog() {
    assertThat(FaultSpec.of(FaultKind.THROTTLE, FaultTarget.upstream("mail"), null, null, Duration.ofSeconds(5), 25.0,
        "test-tenant", new FaultSpec.HeaderMatch("X-Drill", "on"), null).describe())
        .isEqualTo("throttle 429 Retry-After 5 on upstream mail for tenant test-tenant with X-Drill: on, 25.0% of"
            + " attempts");
  }

  @Test
  void aSpecTravelsThroughAControlStoreAsTextAndBack() {
    FaultSpec full = FaultSpec.of(FaultKind.THROTTLE, FaultTarget.upstream("mail"), null, null, Duration.ofSeconds(5),
        12.5, "test|tenant:1", new FaultSpec.HeaderMatch("X-Drill", "on: yes"), Duration.ofMinutes(20));
    FaultSpec delay = FaultSpec.of(FaultKind.DELAY, ROUTE, Duration.ofMillis(1500), null, null, null, null, null, null);
    assertThat(FaultSpec.parse(full.text())).isEqualTo(full);
    assertThat(FaultSpec.parse(delay.text())).isEqualTo(delay);

    ControlEntry entry = new ControlEntry(Setting.Fault.keyOf(full), new Setting.Fault(full), "ops", 1_000, 61_000, 7);
    assertThat(entry.key()).isEqualTo(ControlKey.of(ControlKind.FAULT, Target.upstream("mail")));
    assertThat(ControlCodec.readEntry(ControlCodec.entry(entry))).isEqualTo(entry);
  }

  @Test
  void garbageIsRefusedInWords() {
    for (String text : new String[] {null, "", "garbage", "2:f9", FaultSpec.of(FaultKind.ABORT, ROUTE, null, null,
        null, null, null, null, null).text().replace("5:ABORT", "5:ABORX")}) {
      assertThatThrownBy(() -> FaultSpec.parse(text)).as(String.valueOf(text))
          .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("fault: ");
    }
    assertThatThrownBy(() -> ControlKey.of(ControlKind.FAULT, Target.global()))
        .hasMessage("fault target: global (expected: upstream:NAME or route:NAME)");
  }
}
