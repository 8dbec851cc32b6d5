package dev.braintrust.workflow;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.braintrust.journal.ToolCallRecord;

import java.time.Instant;
import java.util.Objects;

/**
 * Something that happened during a run, as sent to live subscribers (CLI progress, Server-Sent Events).
 *
 * @param nodeId     the agent's node id; null for run-wide events
 * @param status     the run's or the step's status after the event
 * @param durationMs for finished events: how long the agent (or the run) took
 * @param detail     the workflow name (run-started), the error (failed steps), the final output's start (done), what
 *                   is to be approved (approval-requested) or the approver's note (approval-decided)
 * @param toolCall   for tool-call events
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunEvent(Type type, String runId, Instant at, String nodeId, String agent, String status,
                       Long durationMs, String detail, ToolCallRecord toolCall) {

    public enum Type {
        RUN_STARTED("run-started"),
        NODE_STARTED("node-started"),
        NODE_FINISHED("node-finished"),
        TOOL_CALL("tool-call"),
        /** A step waits for a human: {@code detail} says what is to be approved. */
        APPROVAL_REQUESTED("approval-requested"),
        /** A human (or the timeout) decided: {@code status} is approved or rejected, {@code detail} the note. */
        APPROVAL_DECIDED("approval-decided"),
        DONE("done");

        private final String label;

        Type(String label) {
            this.label = label;
        }

        @JsonValue
        public String label() {
            return label;
        }
    }

    public RunEvent {
        Objects.requireNonNull(type);
        Objects.requireNonNull(runId);
        Objects.requireNonNull(at);
    }
}
