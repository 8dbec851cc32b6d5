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
        long end = start + deadline.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out after " + deadline.toMillis() + " ms waiting for: " + what);
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for: " + what);
            }
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }
}
