package dev.braintrust.journal;

import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;

/** Where a workflow run stands. Every status but {@link #RUNNING} and {@link #WAITING} is final. */
public enum RunStatus {
    RUNNING,
    /** A step waits for a human's approval; the run survives restarts and goes on when it is decided. */
    WAITING,
    SUCCEEDED,
    /** At least one agent failed; the agents that did not depend on it still ran. */
    FAILED,
    CANCELLED,
    TIMED_OUT,
    /** The process running it stopped (crash, kill, shutdown) before it finished. */
    INTERRUPTED,
    /** A human rejected a step (or nobody decided in time, BRAIN_TRUST_APPROVAL_TIMEOUT); the steps after it did not run. */
    REJECTED,
    /** Stopped before a model call that would have gone over a budget (the workflow's or the day's). */
    BUDGET;

    @JsonValue
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean finished() {
        return this != RUNNING && this != WAITING;
    }

    public static RunStatus parse(String label) {
        return valueOf(label.toUpperCase(Locale.ROOT));
    }
}
