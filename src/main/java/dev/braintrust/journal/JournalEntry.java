package dev.braintrust.journal;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One entry of the daily journal: a workflow run, a chat, a skill run or a sync.
 *
 * @param title    what ran, e.g. the workflow's name
 * @param status   succeeded, failed, cancelled, interrupted...
 * @param revision the context revision the run was given
 * @param agents   agent names, in order; empty for entries without agents
 * @param runId    the run's id in the run database, or null
 * @param summary  the final output or the error; shortened when written
 */
public record JournalEntry(Instant time, String title, String status, Duration duration, String revision,
                           List<String> agents, String runId, String summary) {
    public JournalEntry {
        Objects.requireNonNull(time);
        Objects.requireNonNull(title);
        Objects.requireNonNull(status);
        Objects.requireNonNull(duration);
        agents = List.copyOf(agents);
        summary = summary == null ? "" : summary;
    }
}
