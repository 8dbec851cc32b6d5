package dev.braintrust.workflow;

import dev.braintrust.Config;

import java.util.Locale;
import java.util.Optional;

/**
 * Picks the provider by model name (ARCHITECTURE.md §4): {@code gpt-*}, {@code o1*}, {@code o3*},
 * {@code o4*} → OpenAI; {@code claude*}, {@code *sonnet*}, {@code *opus*}, {@code *haiku*} →
 * Anthropic; {@code gemini*} (also written {@code models/gemini*}) → Google Gemini;
 * {@code ollama:<model>} → Ollama. An alias ({@link ModelAliases}) is replaced by the name it
 * stands for first. Never falls back to another model.
 */
public final class ModelRouter {
    public static final String NAMING_RULES = "use a name starting with gpt-, o1, o3, o4 (OpenAI), claude or containing "
            + "sonnet, opus or haiku (Anthropic), gemini (Google Gemini), or ollama:<model> (a local Ollama server), "
            + "or an alias from " + ModelAliases.FILE_PATH;
    private static final String GEMINI_RESOURCE_PREFIX = "models/";

    private final Config.ModelKeys keys;
    private final ModelAliases aliases;

    /** A router with the built-in aliases only. */
    public ModelRouter(Config.ModelKeys keys) {
        this(keys, ModelAliases.builtInOnly());
    }

    public ModelRouter(Config.ModelKeys keys, ModelAliases aliases) {
        this.keys = keys;
        this.aliases = aliases;
    }

    public Config.ModelKeys keys() {
        return keys;
    }

    public ModelAliases aliases() {
        return aliases;
    }

    /** The route for a model name or alias, or empty when no provider serves names like it (or like its alias's target). */
    public Optional<ModelRoute> resolve(String model) {
        return resolve(model, aliases.table());
    }

    static Optional<ModelRoute> resolve(String model, ModelAliases.Table table) {
        if (model == null || model.isBlank()) {
            return Optional.empty();
        }
        String target = table.target(model);
        if (target != null) {
            return route(target).map(r -> r.aliasOf() == null ? r.asAlias(model.strip())
                    : new ModelRoute(model.strip(), r.provider(), r.providerModel(), target));
        }
        return route(model);
    }

    /** The route for a model name by the naming rules alone (no aliases), or empty when no provider serves names like it. */
    public static Optional<ModelRoute> route(String model) {
        if (model == null || model.isBlank()) {
            return Optional.empty();
        }
        String name = model.strip();
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.startsWith("ollama:")) {
            String local = name.substring("ollama:".length()).strip();
            return local.isEmpty() ? Optional.empty() : Optional.of(new ModelRoute(name, Provider.OLLAMA, local));
        }
        if (lower.startsWith("gpt-") || lower.startsWith("o1") || lower.startsWith("o3") || lower.startsWith("o4")) {
            return Optional.of(new ModelRoute(name, Provider.OPENAI, name));
        }
        if (lower.startsWith("claude") || lower.contains("sonnet") || lower.contains("opus") || lower.contains("haiku")) {
            return Optional.of(new ModelRoute(name, Provider.ANTHROPIC, name));
        }
        if (lower.startsWith("gemini")) {
            return Optional.of(new ModelRoute(name, Provider.GEMINI, name));
        }
        if (lower.startsWith(GEMINI_RESOURCE_PREFIX + "gemini")) {
            // Google's resource name of a model; the client adds "models/" itself
            String bare = name.substring(GEMINI_RESOURCE_PREFIX.length());
            return Optional.of(new ModelRoute(name, Provider.GEMINI, bare, bare));
        }
        return Optional.empty();
    }

    /**
     * Why a route cannot be used now, naming the variable to set; null when it can. OpenAI is
     * usable without a key when OPENAI_BASE_URL points at a compatible server that needs none.
     */
    public String missingKey(ModelRoute route) {
        return switch (route.provider()) {
            case OPENAI -> keys.openAiKey() == null && keys.openAiBaseUrl() == null
                    ? "set OPENAI_API_KEY (or OPENAI_BASE_URL for an OpenAI-compatible server)" : null;
            case ANTHROPIC -> keys.anthropicKey() == null ? "set ANTHROPIC_API_KEY" : null;
            case GEMINI -> keys.geminiKey() == null ? "set GEMINI_API_KEY" : null;
            case OLLAMA -> null;
        };
    }
}
