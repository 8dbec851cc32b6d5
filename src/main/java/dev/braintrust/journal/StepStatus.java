package dev.braintrust.journal;

import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;

/** Where one agent of a run stands. */
public enum StepStatus {
    /** Its upstream agents have not all finished. */
    WAITING,
    RUNNING,
    SUCCEEDED,
    FAILED,
    /** Not run because an agent it depends on failed. */
    SKIPPED,
    CANCELLED,
    INTERRUPTED;

    @JsonValue
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean finished() {
        return this != WAITING && this != RUNNING;
    }

    public static StepStatus parse(String label) {
        return valueOf(label.toUpperCase(Locale.ROOT));
    }
}
