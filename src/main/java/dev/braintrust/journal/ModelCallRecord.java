package dev.braintrust.journal;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One entry of the egress ledger: one model call, what it carried and where it went.
 *
 * @param seq                   the call's number in its run (1, 2, ...)
 * @param nodeId                the agent that made it
 * @param at                    when it was sent
 * @param provider              openai, anthropic, gemini, ollama
 * @param model                 the model the call went to, as a workflow names it (an alias resolved: what the provider got)
 * @param host                  the server it went to, {@code host} or {@code host:port}
 * @param bytesSent             bytes of the request bodies sent; null when the gateway cannot measure them
 * @param contextFiles          the context files whose text was in it (files withheld are not)
 * @param upstream              the outputs of earlier agents in its task
 * @param toolResults           the tool results in its messages (each later round resends the earlier ones)
 * @param inputTokens           as the provider reported; null when it reported none
 * @param cost                  from the reported tokens and {@code prices.json}; null when either is missing
 * @param currency              of {@code cost}, from {@code prices.json}
 * @param outcome               {@code ok}, {@code failed} (sent, then an error) or {@code not sent} (no connection)
 * @param estimatedInputTokens  characters / 4 of what was sent: what budgets count when no usage is reported
 * @param estimatedOutputTokens characters / 4 of the answer, likewise
 * @param estimatedCost         the estimates priced; null without a price
 */
public record ModelCallRecord(int seq, String nodeId, Instant at, String provider, String model, String host,
                              Long bytesSent, List<FileRef> contextFiles, List<UpstreamRef> upstream,
                              List<ToolResultRef> toolResults, Integer inputTokens, Integer outputTokens, Double cost,
                              String currency, String outcome,
                              @JsonIgnore int estimatedInputTokens, @JsonIgnore int estimatedOutputTokens,
                              @JsonIgnore Double estimatedCost) {
    public static final String OK = "ok";
    public static final String FAILED = "failed";
    public static final String NOT_SENT = "not sent";
    public static final String UNKNOWN = "unknown";

    /** A context file a call carried: name, the snapshot's revision, and the hash of the file's bytes. */
    public record FileRef(String name, String revision, String sha256) {
    }

    /** An earlier agent's output a call carried in its task. */
    public record UpstreamRef(String nodeId, String agent, long bytes) {
    }

    /** A tool result a call carried back to the model. */
    public record ToolResultRef(String tool, long bytes) {
    }

    public ModelCallRecord {
        Objects.requireNonNull(nodeId);
        Objects.requireNonNull(at);
        Objects.requireNonNull(provider);
        Objects.requireNonNull(model);
        Objects.requireNonNull(outcome);
        contextFiles = List.copyOf(contextFiles);
        upstream = List.copyOf(upstream);
        toolResults = List.copyOf(toolResults);
    }

    /** True when the provider reported both token counts. */
    public boolean usageReported() {
        return inputTokens != null && outputTokens != null;
    }

    /** Input + output tokens as reported, or {@code "unknown"}: never a silent zero. */
    @JsonProperty("tokens")
    public Object tokens() {
        return usageReported() ? Integer.valueOf(inputTokens + outputTokens) : UNKNOWN;
    }

    /** What budgets count: the reported tokens, else the estimates. */
    public long countedTokens() {
        return (inputTokens != null ? inputTokens : estimatedInputTokens)
                + (long) (outputTokens != null ? outputTokens : estimatedOutputTokens);
    }

    /** What budgets count: the cost, else the estimated cost; null without a price. */
    public Double countedCost() {
        return cost != null ? cost : estimatedCost;
    }
}
