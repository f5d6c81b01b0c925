package dev.breakwater.gateway.upstream.balance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.gateway.config.FailbackConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** What holds whatever happens to the endpoints: no ejected pick while a healthy one exists, steps one at a time. */
class EndpointSelectorProperties {

  /** One thing that can happen: a call's outcome, a check, or time passing. */
  record Op(int kind, int endpoint, int millis) {}

  @Provide
  Arbitrary<List<Op>> ops() {
    return Combinators.combine(Arbitraries.integers().between(0, 5), Arbitraries.integers().between(0, 7),
        Arbitraries.integers().between(1, 20_000)).as(Op::new).list().ofMinSize(1).ofMaxSize(300);
  }

  @Property(tries = 300)
  void neverPicksAnUnavailableEndpointWhileOneIsAvailable(@ForAll @Size(min = 1, max = 3) List<@IntRange(min = 1,
      max = 3) Integer> groups, @ForAll("ops") List<Op> ops) {
    Selectors s = new Selectors(groups.stream().mapToInt(Integer::intValue).toArray());
    int n = s.selector.size();
    for (Op op : ops) {
      int i = op.endpoint() % n;
      switch (op.kind()) {
        case 0 -> s.selector.record(i, Outcome.FAILURE);
        case 1 -> s.selector.record(i, Outcome.TIMEOUT);
        case 2 -> s.selector.record(i, Outcome.SUCCESS);
        case 3 -> s.selector.checked(i, false);
        case 4 -> s.selector.checked(i, true);
        default -> s.advance(Duration.ofMillis(op.millis()));
      }
      SelectorStatus status = s.selector.status();
      boolean anyAvailable = status.endpoints().stream().anyMatch(SelectorStatus.Endpoint::available);
      for (int k = 0; k < 2 * n; k++) {
        int picked = s.selector.pick(0);
        assertThat(picked).isBetween(0, n - 1);
        if (anyAvailable) {
          assertThat(status.endpoints().get(picked).available()).as("picked %d of %s", picked, status).isTrue();
        }
      }
      // The group in use has an available endpoint whenever any group has one.
      if (anyAvailable) {
        assertThat(status.endpoints().stream().filter(e -> e.group().equals(status.activeGroup()))
            .anyMatch(SelectorStatus.Endpoint::available)).as("%s", status).isTrue();
      }
    }
  }

  @Provide
  Arbitrary<List<Integer>> steps() {
    return Arbitraries.integers().between(1, 99).set().ofMaxSize(5)
        .map(set -> {
          List<Integer> out = new ArrayList<>(new TreeSet<>(set));
          out.add(100);
          return out;
        });
  }

  @Property(tries = 200)
  void failbackMovesOneStepAtATimeAndSendsExactlyTheStepsShare(@ForAll("steps") List<Integer> steps,
      @ForAll @Size(max = 12) List<Boolean> windowsWithErrors) {
    Selectors s = new Selectors(Selectors.CHECKS, new FailbackConfig(10, steps, Duration.ofSeconds(30), 5), 1, 1);
    s.check(0, false, 3);
    s.check(0, true, 10);
    int step = 0;
    for (boolean errors : windowsWithErrors) {
      if (s.selector.status().failbackGroup() == null) {
        break;
      }
      int pct = steps.get(step);
      assertThat(s.selector.status().failbackPercent()).isEqualTo(pct);
      // 100 calls: the primary takes exactly pct of them; with errors, two of its calls fail (not in a row).
      int toPrimary = 0;
      for (int k = 0; k < 100; k++) {
        int i = s.selector.pick(0);
        boolean primary = i == 0;
        toPrimary += primary ? 1 : 0;
        boolean fail = errors && primary && (toPrimary == 1 || toPrimary == 3);
        s.selector.record(i, fail ? Outcome.FAILURE : Outcome.SUCCESS);
      }
      assertThat(toPrimary).isEqualTo(pct);
      s.advance(Duration.ofSeconds(30));
      // 2 errors of pct calls is above 5 % for every pct below 40; above it, the window passes.
      boolean tooMany = errors && 2 * 100.0 / pct > 5;
      if (tooMany && step == 0) {
        assertThat(s.selector.status().failbackGroup()).isNull();
        break;
      } else if (tooMany) {
        step--;
      } else if (step == steps.size() - 1) {
        assertThat(s.selector.status().activeGroup()).isEqualTo("g0");
        assertThat(s.selector.status().failbackGroup()).isNull();
        break;
      } else {
        step++;
      }
    }
    List<String> seen = s.failbackSteps();
    for (int k = 1; k < seen.size(); k++) {
      int before = Integer.parseInt(seen.get(k - 1).split(" ")[1]);
      String[] now = seen.get(k).split(" ");
      int at = steps.indexOf(before);
      int expected = switch (now[0]) {
        case "FAILBACK_STEP", "FAILBACK_DONE" -> now[0].equals("FAILBACK_DONE") ? before : steps.get(at + 1);
        default -> at == 0 ? 0 : steps.get(at - 1);
      };
      assertThat(Integer.parseInt(now[1])).as("%s", seen).isEqualTo(expected);
    }
  }
}
