package dev.braintrust.journal;

import com.fasterxml.jackson.annotation.JsonProperty;

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
 * @param inputTokens  as reported by the provider, summed over the calls; null when not reported by every call
 * @param attempts     model calls made, retries included
 * @param error        one line saying why it failed, was skipped or cancelled; null otherwise
 * @param context      which context files the agent received and which were withheld; null for steps
 *                     stored before privacy tiers existed
 * @param modelCalls   the egress ledger of the step: one entry per model call, in order
 */
public record StepRecord(String nodeId, int position, String agent, String model, StepStatus status, String revision,
                         String systemPrompt, String task, String output, List<ToolCallRecord> toolCalls,
                         Integer inputTokens, Integer outputTokens, Integer totalTokens, int attempts,
                         Instant startedAt, Instant finishedAt, Long durationMs, String error,
                         ContextShare context, List<ModelCallRecord> modelCalls) {
    public StepRecord {
        Objects.requireNonNull(nodeId);
        Objects.requireNonNull(agent);
        Objects.requireNonNull(status);
        toolCalls = List.copyOf(toolCalls);
        modelCalls = List.copyOf(modelCalls);
    }

    public StepRecord(String nodeId, int position, String agent, String model, StepStatus status, String revision,
                      String systemPrompt, String task, String output, List<ToolCallRecord> toolCalls,
                      Integer inputTokens, Integer outputTokens, Integer totalTokens, int attempts,
                      Instant startedAt, Instant finishedAt, Long durationMs, String error) {
        this(nodeId, position, agent, model, status, revision, systemPrompt, task, output, toolCalls, inputTokens,
                outputTokens, totalTokens, attempts, startedAt, finishedAt, durationMs, error, null, List.of());
    }

    /** The same step with its ledger (read separately from the database). */
    public StepRecord withModelCalls(List<ModelCallRecord> calls) {
        return new StepRecord(nodeId, position, agent, model, status, revision, systemPrompt, task, output, toolCalls,
                inputTokens, outputTokens, totalTokens, attempts, startedAt, finishedAt, durationMs, error, context, calls);
    }

    /**
     * The step's tokens: the total as reported, {@code "unknown"} when a model call reported none
     * (never a silent zero), null when no model was called.
     */
    @JsonProperty("tokens")
    public Object tokens() {
        if (modelCalls.isEmpty()) {
            return totalTokens;
        }
        return totalTokens != null ? totalTokens : ModelCallRecord.UNKNOWN;
    }

    /** The usage of the step's model calls: tokens, cost, bytes sent. */
    @JsonProperty("usage")
    public Usage usage() {
        return Usage.of(modelCalls);
    }
}
