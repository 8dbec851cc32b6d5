package dev.braintrust.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Bounded waiting for something that happens asynchronously: poll until true or fail at the deadline. */
public final class Poll {
    private Poll() {
    }

    /** @return the time it took, so tests can assert a bound in their own terms */
    public static Duration until(Duration deadline, String what, BooleanSupplier condition) {
        long start = System.nanoTime();
        if (!within(deadline, condition)) {
            throw new AssertionError((Thread.currentThread().isInterrupted() ? "interrupted" : "timed out after "
                    + deadline.toMillis() + " ms") + " waiting for: " + what);
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /** Polls until the condition holds (true) or the deadline passes or the thread is interrupted (false). */
    public static boolean within(Duration deadline, BooleanSupplier condition) {
        long end = System.nanoTime() + deadline.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                return false;
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }
}
