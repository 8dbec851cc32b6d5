package dev.braintrust.journal;

import com.fasterxml.jackson.annotation.JsonIgnore;

import java.time.Instant;
import java.util.Objects;

/**
 * One approval asked of a human: before a step runs, after it ran, or before one of its skill calls.
 *
 * @param nodeId     the step (the agent's node id), as in {@code POST /api/v1/runs/{id}/approvals/{step}}
 * @param seq        1 for the step's first approval, 2 for its second (a step can ask before several skill calls)
 * @param kind       before, after or tool
 * @param subject    what is to be approved: the agent's task (before), its output (after), the skill and its arguments (tool)
 * @param checkpoint for a skill call, the agent's conversation so far (to go on after a restart); not shown
 * @param decision   null while pending, else approved or rejected
 * @param note       the human's note, passed on to the next agent
 * @param decidedBy  api, cli, dashboard, or timeout
 */
public record ApprovalRecord(String runId, String nodeId, int seq, String kind, String subject,
                             @JsonIgnore String checkpoint, Instant requestedAt, Instant expiresAt, String decision,
                             String note, String decidedBy, Instant decidedAt) {
    public static final String BEFORE = "before";
    public static final String AFTER = "after";
    public static final String TOOL = "tool";
    public static final String APPROVED = "approved";
    public static final String REJECTED = "rejected";

    public ApprovalRecord {
        Objects.requireNonNull(runId);
        Objects.requireNonNull(nodeId);
        Objects.requireNonNull(kind);
        Objects.requireNonNull(requestedAt);
        Objects.requireNonNull(expiresAt);
    }

    public boolean pending() {
        return decision == null;
    }

    public boolean approved() {
        return APPROVED.equals(decision);
    }

    public ApprovalRecord decided(String newDecision, String newNote, String by, Instant at) {
        return new ApprovalRecord(runId, nodeId, seq, kind, subject, checkpoint, requestedAt, expiresAt, newDecision, newNote, by, at);
    }
}
