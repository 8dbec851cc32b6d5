package dev.braintrust.server;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Counts wrong API keys per client address in fixed one-minute windows. An address that reaches
 * the limit is refused (429) until its window ends, whatever key it sends, so a guess cannot be
 * confirmed while it is blocked. Memory is bounded: expired windows are dropped when the table grows.
 */
final class WrongKeyLimiter {
    static final int MAX_FAILURES = 20;
    static final long WINDOW_NANOS = TimeUnit.MINUTES.toNanos(1);
    static final int MAX_TRACKED = 10_000;

    private final LongSupplier nanoTime;
    private final Map<String, Window> windows = new ConcurrentHashMap<>();

    private record Window(long startNanos, int failures) {
    }

    WrongKeyLimiter() {
        this(System::nanoTime);
    }

    WrongKeyLimiter(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    /** Seconds until this address may try a key again, or 0 when it is not blocked. */
    long blockedForSeconds(String address) {
        if (windows.isEmpty()) {
            return 0;
        }
        Window w = windows.get(address);
        long now = nanoTime.getAsLong();
        if (w == null || w.failures < MAX_FAILURES || now - w.startNanos >= WINDOW_NANOS) {
            return 0;
        }
        return Math.max(1, TimeUnit.NANOSECONDS.toSeconds(WINDOW_NANOS - (now - w.startNanos) + 999_999_999L));
    }

    int trackedAddresses() {
        return windows.size();
    }

    /** Records one wrong key and returns how many this address sent in its current window. */
    int recordFailure(String address) {
        long now = nanoTime.getAsLong();
        if (windows.size() >= MAX_TRACKED) {
            windows.values().removeIf(w -> now - w.startNanos >= WINDOW_NANOS);
            if (windows.size() >= MAX_TRACKED) {
                windows.clear(); // a flood from many addresses: forget rather than grow without bound
            }
        }
        return windows.compute(address, (a, w) -> w == null || now - w.startNanos >= WINDOW_NANOS
                ? new Window(now, 1)
                : new Window(w.startNanos, w.failures + 1)).failures;
    }
}
