package dev.braintrust.journal;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One agent's part of a run, as stored in the run database.
 *
 * @param nodeId       the node's id in the workflow graph
 * @param position     the node's place in the run's execution order (0-based)
 * @param agent        the agent's name (node name, else role, else id)
 * @param model        the model name the agent used
 * @param revision     the context revision its system prompt was built from (the run's)
 * @param systemPrompt the exact system prompt it was given
 * @param task         the exact task (user message), with the upstream outputs; null until it starts
 * @param toolCalls    every tool call, in order
 * @param inputTokens  as reported by the provider, summed over the calls; null when not reported
 * @param attempts     model calls made, retries included
 * @param error        one line saying why it failed, was skipped or cancelled; null otherwise
 */
public record StepRecord(String nodeId, int position, String agent, String model, StepStatus status, String revision,
                         String systemPrompt, String task, String output, List<ToolCallRecord> toolCalls,
                         Integer inputTokens, Integer outputTokens, Integer totalTokens, int attempts,
                         Instant startedAt, Instant finishedAt, Long durationMs, String error) {
    public StepRecord {
        Objects.requireNonNull(nodeId);
        Objects.requireNonNull(agent);
        Objects.requireNonNull(status);
        toolCalls = List.copyOf(toolCalls);
    }
}
