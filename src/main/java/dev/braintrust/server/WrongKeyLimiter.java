package dev.braintrust.server;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Counts wrong API keys per client address in fixed one-minute windows. An address that reaches
 * the limit is refused (429) until its window ends, whatever key it sends, so a guess cannot be
 * confirmed while it is blocked.
 *
 * <p>The table is a Caffeine cache: each window expires a minute after its first failure, and the
 * table holds at most {@link #MAX_TRACKED} addresses. Past that, Caffeine evicts by frequency
 * (W-TinyLFU): a flood of one-off addresses pushes out other one-off addresses, not the address
 * that keeps guessing, and nothing ever clears the whole table.
 */
final class WrongKeyLimiter {
    static final int MAX_FAILURES = 20;
    static final Duration WINDOW = Duration.ofMinutes(1);
    static final int MAX_TRACKED = 10_000;

    private final LongSupplier nanoTime;
    private final Cache<String, Window> windows;

    private record Window(long startNanos, int failures) {
    }

    WrongKeyLimiter() {
        this(System::nanoTime);
    }

    WrongKeyLimiter(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
        this.windows = Caffeine.newBuilder()
                .maximumSize(MAX_TRACKED)
                .expireAfter(Expiry.<String, Window>creating((address, window) -> WINDOW))
                .ticker(nanoTime::getAsLong)
                .executor(Runnable::run) // maintenance on the caller's thread: no pool to start, and tests are exact
                .build();
    }

    /** Seconds until this address may try a key again, or 0 when it is not blocked. */
    long blockedForSeconds(String address) {
        Window w = windows.getIfPresent(address);
        long now = nanoTime.getAsLong();
        if (w == null || w.failures < MAX_FAILURES || now - w.startNanos >= WINDOW.toNanos()) {
            return 0;
        }
        return Math.max(1, TimeUnit.NANOSECONDS.toSeconds(WINDOW.toNanos() - (now - w.startNanos) + 999_999_999L));
    }

    long trackedAddresses() {
        windows.cleanUp();
        return windows.estimatedSize();
    }

    /** Records one wrong key and returns how many this address sent in its current window. */
    int recordFailure(String address) {
        long now = nanoTime.getAsLong();
        return windows.asMap().compute(address, (a, w) -> w == null || now - w.startNanos >= WINDOW.toNanos()
                ? new Window(now, 1)
                : new Window(w.startNanos, w.failures + 1)).failures;
    }
}
