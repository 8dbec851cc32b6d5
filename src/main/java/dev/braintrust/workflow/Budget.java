package dev.braintrust.workflow;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/**
 * A workflow's {@code "budget": {"maxTokens": 20000, "maxCost": 0.50}}: what one run may use, all its
 * model calls together. A run that would go over stops before the model call that would (status
 * {@code budget}). Cost is in the currency of {@code prices.json}.
 *
 * @param maxTokens input + output tokens; null for no limit
 * @param maxCost   cost; null for no limit
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Budget(Long maxTokens, Double maxCost) {
    public static final Budget NONE = new Budget(null, null);

    public boolean isNone() {
        return maxTokens == null && maxCost == null;
    }

    /** Reads the {@code budget} field of a workflow; problems go to {@code problems}. */
    static Budget fromJson(JsonNode node, List<String> problems) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return NONE;
        }
        if (!node.isObject()) {
            problems.add("'budget' must be an object: {\"maxTokens\": 20000, \"maxCost\": 0.5}");
            return NONE;
        }
        Long tokens = null;
        Double cost = null;
        JsonNode t = node.get("maxTokens");
        if (t != null && !t.isNull()) {
            if (t.canConvertToLong() && t.isIntegralNumber() && t.asLong() > 0) {
                tokens = t.asLong();
            } else {
                problems.add("'budget.maxTokens' must be a whole number above 0, not " + t);
            }
        }
        JsonNode c = node.get("maxCost");
        if (c != null && !c.isNull()) {
            if (c.isNumber() && c.asDouble() >= 0 && Double.isFinite(c.asDouble())) {
                cost = c.asDouble();
            } else {
                problems.add("'budget.maxCost' must be a number, 0 or more (in the currency of prices.json), not " + c);
            }
        }
        return new Budget(tokens, cost);
    }
}
