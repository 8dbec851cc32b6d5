package dev.braintrust.journal;

import java.time.Instant;

/**
 * A run without its steps, as listed.
 *
 * @param outputExcerpt the first {@value #EXCERPT_CHARS} characters of the final output
 */
public record RunSummary(String id, String workflow, RunStatus status, String source, String revision, int agentCount,
                         Instant startedAt, Instant finishedAt, Long durationMs, String outputExcerpt, String error) {
    public static final int EXCERPT_CHARS = 300;
}
