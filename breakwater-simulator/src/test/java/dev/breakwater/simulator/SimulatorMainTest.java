package dev.breakwater.simulator;

import dev.breakwater.config.Durations;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SimulatorMainTest {

    @Test
    void parsesAllDocumentedFlags() {
        SimulatorConfig cfg = SimulatorMain.parseArgs(new String[] {
                "--port", "9000", "--host", "127.0.0.1", "--rate", "5", "--burst", "7", "--error-rate", "0.25",
                "--latency-median-ms", "40", "--latency-sigma", "0.5", "--outage-at", "30s", "--outage-for", "10s"});
        assertThat(cfg.port()).isEqualTo(9000);
        assertThat(cfg.host()).isEqualTo("127.0.0.1");
        assertThat(cfg.rateLimit()).isEqualTo(RateLimit.of(5, 7));
        assertThat(cfg.errorRate()).isEqualTo(0.25);
        assertThat(cfg.latency()).isEqualTo(Latency.lognormal(40, 0.5));
        assertThat(cfg.outages()).containsExactly(TimeWindow.of(Duration.ofSeconds(30), Duration.ofSeconds(10)));
    }

    @Test
    void acceptsInlineValuesAndSwitches() {
        SimulatorConfig cfg = SimulatorMain.parseArgs(new String[] {
                "--rate=3", "--no-throttling", "--outage-reset", "--error-burst-at=1.5s", "--seed", "42"});
        assertThat(cfg.rateLimit()).isEqualTo(RateLimit.of(3, 40));
        assertThat(cfg.throttlingEnabled()).isFalse();
        assertThat(cfg.outageResetsConnection()).isTrue();
        assertThat(cfg.errorBursts()).containsExactly(TimeWindow.of(Duration.ofMillis(1500), Duration.ofSeconds(10)));
        assertThat(cfg.seed()).isEqualTo(42L);
    }

    @Test
    void defaultsMatchTheDocumentation() {
        SimulatorConfig cfg = SimulatorMain.parseArgs(new String[0]);
        assertThat(cfg).isEqualTo(SimulatorConfig.defaults().withTicker(cfg.ticker()));
        assertThat(cfg.rateLimit()).isEqualTo(RateLimit.of(20, 40));
        assertThat(cfg.port()).isZero();
        assertThat(cfg.tenantHeader()).isEqualTo("X-Tenant-Id");
        assertThat(cfg.listSize()).isEqualTo(95);
    }

    @Test
    void rejectsBadInput() {
        assertThatThrownBy(() -> SimulatorMain.parseArgs(new String[] {"--bogus", "1"}))
                .hasMessageContaining("unknown option --bogus");
        assertThatThrownBy(() -> SimulatorMain.parseArgs(new String[] {"--port"}))
                .hasMessageContaining("missing value");
        assertThatThrownBy(() -> SimulatorMain.parseArgs(new String[] {"--rate", "fast"}))
                .hasMessageContaining("--rate");
        assertThatThrownBy(() -> SimulatorMain.parseArgs(new String[] {"--outage-at", "30"}))
                .hasMessage("--outage-at: \"30\" (expected: " + Durations.EXPECTED + ")");
        assertThatThrownBy(() -> SimulatorMain.parseArgs(new String[] {"--error-rate", "1.5"}))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(SimulatorMain.usage()).contains("--outage-at", "--help");
    }

    @Test
    void durationsRoundTrip() {
        assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parse("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(Durations.parse("PT5S")).isEqualTo(Duration.ofSeconds(5));
        assertThat(Durations.format(Duration.ofSeconds(5))).isEqualTo("5s");
        assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
        assertThat(Durations.parse("1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(Durations.parse("soon")).isNull();
    }

    @Test
    void lognormalLatencyHasTheRequestedMedianAndAHeavyTail() {
        Random random = new Random(7);
        Latency latency = Latency.lognormal(100, 1.0);
        long[] samples = new long[4001];
        for (int i = 0; i < samples.length; i++) {
            samples[i] = latency.sampleMillis(random);
        }
        java.util.Arrays.sort(samples);
        assertThat(samples[samples.length / 2]).isBetween(85L, 115L);
        assertThat(samples[(int) (samples.length * 0.99)]).isGreaterThan(500L); // e^(2.33) ~ 10x the median
        assertThat(Latency.fixed(25).sampleMillis(random)).isEqualTo(25);
        assertThat(Latency.NONE.sampleMillis(random)).isZero();
    }
}
