package dev.braintrust.workflow;

import java.util.Objects;

/**
 * Which provider serves a model name, and the name the provider knows it by.
 *
 * @param model         the name as written in the workflow, e.g. {@code ollama:llama3.2}
 * @param provider      who serves it
 * @param providerModel the name sent to the provider, e.g. {@code llama3.2}
 */
public record ModelRoute(String model, Provider provider, String providerModel) {
    public ModelRoute {
        Objects.requireNonNull(model);
        Objects.requireNonNull(provider);
        Objects.requireNonNull(providerModel);
    }
}
