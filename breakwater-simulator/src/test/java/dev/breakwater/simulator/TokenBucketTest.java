package dev.breakwater.simulator;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TokenBucketTest {

    private static final long SECOND = 1_000_000_000L;
    private final ManualTicker clock = new ManualTicker();

    @Test
    void startsFullAndAllowsABurst() {
        TokenBucket bucket = new TokenBucket(RateLimit.of(2, 3), clock.nanoTime());
        assertThat(bucket.tryAcquire(clock.nanoTime())).isZero();
        assertThat(bucket.tryAcquire(clock.nanoTime())).isZero();
        assertThat(bucket.tryAcquire(clock.nanoTime())).isZero();
        assertThat(bucket.tryAcquire(clock.nanoTime())).isPositive();
    }

    @Test
    void reportsTheExactWaitUntilTheNextToken() {
        TokenBucket bucket = new TokenBucket(RateLimit.of(2, 1), clock.nanoTime());
        bucket.tryAcquire(clock.nanoTime());
        assertThat(bucket.tryAcquire(clock.nanoTime())).isEqualTo(SECOND / 2);
        clock.advance(Duration.ofMillis(200));
        assertThat(bucket.tryAcquire(clock.nanoTime())).isEqualTo(300_000_000L);
    }

    @Test
    void refillsAtTheConfiguredRate() {
        TokenBucket bucket = new TokenBucket(RateLimit.of(2, 2), clock.nanoTime());
        bucket.tryAcquire(clock.nanoTime());
        bucket.tryAcquire(clock.nanoTime());
        assertThat(bucket.tryAcquire(clock.nanoTime())).isPositive();

        clock.advance(Duration.ofMillis(500)); // exactly one token at 2/s
        assertThat(bucket.tryAcquire(clock.nanoTime())).isZero();
        assertThat(bucket.tryAcquire(clock.nanoTime())).isPositive();
    }

    @Test
    void neverHoldsMoreThanTheBurst() {
        TokenBucket bucket = new TokenBucket(RateLimit.of(10, 3), clock.nanoTime());
        clock.advance(Duration.ofHours(1));
        assertThat(bucket.availableTokens(clock.nanoTime())).isEqualTo(3.0);
    }

    @Test
    void fractionalRatesRefillSlowly() {
        TokenBucket bucket = new TokenBucket(RateLimit.of(0.25, 1), clock.nanoTime());
        bucket.tryAcquire(clock.nanoTime());
        long wait = bucket.tryAcquire(clock.nanoTime());
        assertThat(wait).isEqualTo(4 * SECOND);
        assertThat(TokenBucket.retryAfterSeconds(wait)).isEqualTo(4);
    }

    @Test
    void retryAfterRoundsUpToWholeSecondsAndIsAtLeastOne() {
        assertThat(TokenBucket.retryAfterSeconds(1)).isEqualTo(1);
        assertThat(TokenBucket.retryAfterSeconds(0)).isEqualTo(1);
        assertThat(TokenBucket.retryAfterSeconds(SECOND / 2)).isEqualTo(1);
        assertThat(TokenBucket.retryAfterSeconds(SECOND)).isEqualTo(1);
        assertThat(TokenBucket.retryAfterSeconds(SECOND + 1)).isEqualTo(2);
        assertThat(TokenBucket.retryAfterSeconds(2 * SECOND + SECOND / 2)).isEqualTo(3);
    }

    @Test
    void ignoresTimeGoingBackwards() {
        TokenBucket bucket = new TokenBucket(RateLimit.of(1, 1), clock.nanoTime());
        bucket.tryAcquire(clock.nanoTime());
        assertThat(bucket.tryAcquire(clock.nanoTime() - 10 * SECOND)).isPositive();
        assertThat(bucket.availableTokens(clock.nanoTime())).isZero();
    }

    @Test
    void reconfigureKeepsEarnedTokensButCapsThemAtTheNewBurst() {
        TokenBucket bucket = new TokenBucket(RateLimit.of(20, 40), clock.nanoTime());
        bucket.reconfigure(RateLimit.of(2, 2), clock.nanoTime());
        assertThat(bucket.availableTokens(clock.nanoTime())).isEqualTo(2.0);
        bucket.tryAcquire(clock.nanoTime());
        bucket.tryAcquire(clock.nanoTime());
        assertThat(bucket.tryAcquire(clock.nanoTime())).isEqualTo(SECOND / 2);
    }

    @Test
    void tenantWindowCoversTheAdvertisedRetryAfterAndNoLonger() {
        TenantState tenant = new TenantState("t");
        RateLimit limit = RateLimit.of(2, 2);
        assertThat(tenant.admit(clock.nanoTime(), limit).admitted()).isTrue();
        assertThat(tenant.admit(clock.nanoTime(), limit).admitted()).isTrue();

        TenantState.Admission throttled = tenant.admit(clock.nanoTime(), limit);
        assertThat(throttled.admitted()).isFalse();
        assertThat(throttled.insideWindow()).isFalse();
        assertThat(throttled.retryAfterSeconds()).isEqualTo(1); // 0.5 s rounded up

        clock.advance(Duration.ofMillis(999));
        TenantState.Admission early = tenant.admit(clock.nanoTime(), limit);
        assertThat(early.insideWindow()).isTrue();
        assertThat(early.retryAfterSeconds()).isEqualTo(1);

        clock.advance(Duration.ofMillis(1)); // exactly Retry-After later: a polite client is admitted
        assertThat(tenant.admit(clock.nanoTime(), limit).admitted()).isTrue();
    }

    @Test
    void rejectsInvalidLimits() {
        assertThatThrownBy(() -> RateLimit.of(0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RateLimit.of(Double.NaN, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RateLimit.of(1, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
