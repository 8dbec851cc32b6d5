package dev.braintrust.truth;

import java.util.function.Supplier;

/** The checks a source of truth adds to the server's readiness (the server's {@code Readiness} implements it). */
public interface ReadinessChecks {
    /** Not ready while {@code problemOrNull} says why. */
    void require(String name, Supplier<String> problemOrNull);

    /** Ready but degraded while {@code failureOrNull} says why. */
    void degradedWhen(String name, Supplier<String> failureOrNull);

    /** Ready, held back on purpose, while {@code noteOrNull} says how. */
    void heldBackWhen(String name, Supplier<String> noteOrNull);

    /** Facts shown with the details of {@code /ready}. */
    void report(String name, Supplier<Object> facts);
}
