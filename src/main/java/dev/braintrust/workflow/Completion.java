package dev.braintrust.workflow;

/**
 * The answer of one plain model call (see {@link RunService#plainCompletion}).
 *
 * @param model        the model that answered (BRAIN_TRUST_DEFAULT_MODEL)
 * @param inputTokens  as the provider reported them; 0 when it did not
 * @param outputTokens as the provider reported them; 0 when it did not
 */
public record Completion(String text, String model, int inputTokens, int outputTokens) {
}
