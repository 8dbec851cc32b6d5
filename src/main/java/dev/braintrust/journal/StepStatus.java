package dev.braintrust.journal;

import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;

/** Where one agent of a run stands. */
public enum StepStatus {
    /** Its upstream agents have not all finished. */
    WAITING,
    RUNNING,
    /** Paused for a human's approval: before it runs, after it ran, or before one of its skill calls. */
    AWAITING_APPROVAL,
    SUCCEEDED,
    FAILED,
    /** Not run because an agent it depends on failed. */
    SKIPPED,
    CANCELLED,
    INTERRUPTED,
    /** A human rejected it (or its approval timed out). */
    REJECTED;

    @JsonValue
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean finished() {
        return this != WAITING && this != RUNNING && this != AWAITING_APPROVAL;
    }

    public static StepStatus parse(String label) {
        return valueOf(label.toUpperCase(Locale.ROOT));
    }
}
