package dev.braintrust.journal;

import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;

/** Where a workflow run stands. Every status but {@link #RUNNING} is final. */
public enum RunStatus {
    RUNNING,
    SUCCEEDED,
    /** At least one agent failed; the agents that did not depend on it still ran. */
    FAILED,
    CANCELLED,
    TIMED_OUT,
    /** The process running it stopped (crash, kill, shutdown) before it finished. */
    INTERRUPTED,
    /** Stopped before a model call that would have gone over a budget (the workflow's or the day's). */
    BUDGET;

    @JsonValue
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean finished() {
        return this != RUNNING;
    }

    public static RunStatus parse(String label) {
        return valueOf(label.toUpperCase(Locale.ROOT));
    }
}
