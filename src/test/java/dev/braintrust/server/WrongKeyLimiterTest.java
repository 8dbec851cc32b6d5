package dev.braintrust.server;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class WrongKeyLimiterTest {
    final AtomicLong now = new AtomicLong(1_000_000_000L);
    final WrongKeyLimiter limiter = new WrongKeyLimiter(now::get);

    @Test
    void blocks_an_address_at_the_limit_and_not_before() {
        for (int i = 1; i < WrongKeyLimiter.MAX_FAILURES; i++) {
            assertThat(limiter.recordFailure("10.0.0.1")).isEqualTo(i);
            assertThat(limiter.blockedForSeconds("10.0.0.1")).isZero();
        }
        limiter.recordFailure("10.0.0.1");
        assertThat(limiter.blockedForSeconds("10.0.0.1")).isEqualTo(60);
        assertThat(limiter.blockedForSeconds("10.0.0.2")).isZero();
    }

    @Test
    void the_block_ends_with_the_window() {
        for (int i = 0; i < WrongKeyLimiter.MAX_FAILURES; i++) {
            limiter.recordFailure("10.0.0.1");
        }
        now.addAndGet(TimeUnit.SECONDS.toNanos(45));
        assertThat(limiter.blockedForSeconds("10.0.0.1")).isEqualTo(15);
        now.addAndGet(TimeUnit.SECONDS.toNanos(15));
        assertThat(limiter.blockedForSeconds("10.0.0.1")).isZero();
        assertThat(limiter.recordFailure("10.0.0.1")).isEqualTo(1);
    }

    @Test
    void failures_spread_over_more_than_a_minute_do_not_block() {
        for (int i = 0; i < 3 * WrongKeyLimiter.MAX_FAILURES; i++) {
            limiter.recordFailure("10.0.0.1");
            now.addAndGet(TimeUnit.SECONDS.toNanos(4));
            assertThat(limiter.blockedForSeconds("10.0.0.1")).isZero();
        }
    }

    @Test
    void the_table_stays_bounded_under_a_flood_of_addresses() {
        for (int i = 0; i < WrongKeyLimiter.MAX_TRACKED * 3; i++) {
            limiter.recordFailure("addr-" + i);
        }
        assertThat(limiter.trackedAddresses()).isLessThanOrEqualTo(WrongKeyLimiter.MAX_TRACKED);
    }

    @Test
    void one_wrong_key_from_each_of_many_addresses_does_not_unblock_a_guesser() {
        for (int i = 0; i < WrongKeyLimiter.MAX_FAILURES; i++) {
            limiter.recordFailure("10.9.9.9");
        }
        assertThat(limiter.blockedForSeconds("10.9.9.9")).isPositive();
        for (int i = 0; i < 3 * WrongKeyLimiter.MAX_TRACKED; i++) {
            limiter.recordFailure("addr-" + i);
            if (i % 100 == 0) {
                assertThat(limiter.blockedForSeconds("10.9.9.9")).as("after %d other addresses", i).isPositive();
            }
        }
        assertThat(limiter.blockedForSeconds("10.9.9.9")).isPositive();
        assertThat(limiter.trackedAddresses()).isLessThanOrEqualTo(WrongKeyLimiter.MAX_TRACKED);
    }

    @Test
    void windows_expire_by_themselves() {
        for (int i = 0; i < 100; i++) {
            limiter.recordFailure("addr-" + i);
        }
        now.addAndGet(TimeUnit.SECONDS.toNanos(61));
        assertThat(limiter.trackedAddresses()).isZero();
    }
}
