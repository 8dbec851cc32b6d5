package dev.braintrust.workflow;

import java.util.Objects;

/**
 * Which provider serves a model name, and the name the provider knows it by.
 *
 * @param model         the name as written in the workflow, e.g. {@code ollama:llama3.2} or {@code claude-3-5-sonnet}
 * @param provider      who serves it
 * @param providerModel the name sent to the provider, e.g. {@code llama3.2} or {@code claude-sonnet-4-5}
 * @param aliasOf       the model name an alias stands for, as written in the alias table; null when {@code model} is no alias
 */
public record ModelRoute(String model, Provider provider, String providerModel, String aliasOf) {
    public ModelRoute {
        Objects.requireNonNull(model);
        Objects.requireNonNull(provider);
        Objects.requireNonNull(providerModel);
    }

    public ModelRoute(String model, Provider provider, String providerModel) {
        this(model, provider, providerModel, null);
    }

    /** The name as written, and what it stands for when it is an alias: {@code claude-3-5-sonnet → claude-sonnet-4-5}. */
    public String describe() {
        return aliasOf == null ? model : model + " → " + aliasOf;
    }

    /** The same route under another name: an alias of this one's model. */
    ModelRoute asAlias(String alias) {
        return new ModelRoute(alias, provider, providerModel, model);
    }
}
