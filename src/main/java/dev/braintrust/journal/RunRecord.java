package dev.braintrust.journal;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A workflow run with its steps, as stored in the run database.
 *
 * @param workflow    the workflow's name (saved name, file name or the JSON's {@code name})
 * @param source      who started it: cli, api, chat
 * @param revision    the context revision every agent of the run was given
 * @param finalOutput the output of the run's last agents (those nothing depends on); null until finished
 * @param error       one line saying why the run did not succeed; null when it did
 * @param steps       one per agent, in execution order
 */
public record RunRecord(String id, String workflow, RunStatus status, String source, String revision, int agentCount,
                        Instant startedAt, Instant finishedAt, Long durationMs, String finalOutput, String error,
                        List<StepRecord> steps) {
    public RunRecord {
        Objects.requireNonNull(id);
        Objects.requireNonNull(workflow);
        Objects.requireNonNull(status);
        Objects.requireNonNull(startedAt);
        steps = List.copyOf(steps);
    }

    /** The usage of every model call of the run: tokens, cost, bytes sent. */
    @com.fasterxml.jackson.annotation.JsonProperty("usage")
    public Usage usage() {
        Usage total = Usage.NONE;
        for (StepRecord step : steps) {
            total = total.plus(step.usage());
        }
        return total;
    }

    public boolean succeeded() {
        return status == RunStatus.SUCCEEDED;
    }

    public RunSummary summary() {
        return new RunSummary(id, workflow, status, source, revision, agentCount, startedAt, finishedAt, durationMs,
                ToolCallRecord.excerpt(finalOutput, RunSummary.EXCERPT_CHARS), error);
    }
}
