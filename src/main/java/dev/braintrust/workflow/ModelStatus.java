package dev.braintrust.workflow;

import dev.braintrust.Config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which models can run now: the providers that can be used (a key, or for Ollama a server that
 * answers), whether the default model (BRAIN_TRUST_DEFAULT_MODEL) can run and, when it cannot, the
 * ways to fix it; and the model aliases in effect.
 *
 * @param defaultModel   BRAIN_TRUST_DEFAULT_MODEL as set
 * @param defaultRoute   what it goes to, e.g. {@code gpt-4o-mini (OpenAI)} or
 *                       {@code claude-3-5-sonnet → claude-sonnet-4-5 (Anthropic)}; null when no provider serves it
 * @param defaultProblem why the default model cannot run now; null when it can
 * @param fixes          ways to make it run, one line each; empty when it can
 * @param providers      the providers that can be used now (openai, anthropic, gemini, ollama)
 * @param ollama         the Ollama server at OLLAMA_BASE_URL, in words ("answers at ..., 2 models" / "does not answer at ...")
 * @param aliases        the aliases in effect: name → model it stands for
 * @param aliasesFromFile the names {@code workflows/models.json} sets or removes
 * @param aliasProblem   why {@code workflows/models.json} cannot be used; null when it can (or there is none)
 */
public record ModelStatus(String defaultModel, String defaultRoute, String defaultProblem, List<String> fixes,
                          List<String> providers, String ollama, Map<String, String> aliases,
                          List<String> aliasesFromFile, String aliasProblem) {
    /** The model suggested with Ollama when it has none pulled yet. */
    static final String OLLAMA_EXAMPLE = "llama3.2";

    public ModelStatus {
        fixes = List.copyOf(fixes);
        providers = List.copyOf(providers);
        aliases = Collections.unmodifiableMap(new LinkedHashMap<>(aliases));
        aliasesFromFile = List.copyOf(aliasesFromFile);
    }

    public boolean defaultCanRun() {
        return defaultProblem == null;
    }

    /** Checks the providers and the default model; asks the Ollama server (see {@link OllamaProbe} for how long it may take). */
    public static ModelStatus check(String defaultModel, ModelRouter router, OllamaProbe ollama) {
        Config.ModelKeys keys = router.keys();
        ModelAliases.Table table = router.aliases().table();
        OllamaProbe.Result probe = ollama.probe();
        List<String> providers = new ArrayList<>();
        if (keys.openAiKey() != null || keys.openAiBaseUrl() != null) {
            providers.add(Provider.OPENAI.label());
        }
        if (keys.anthropicKey() != null) {
            providers.add(Provider.ANTHROPIC.label());
        }
        if (keys.geminiKey() != null) {
            providers.add(Provider.GEMINI.label());
        }
        if (probe.answers()) {
            providers.add(Provider.OLLAMA.label());
        }
        String ollamaText = probe.answers()
                ? "answers at " + probe.baseUrl() + " (" + (probe.models().isEmpty() ? "no models pulled yet"
                : probe.models().size() == 1 ? "1 model: " + probe.models().get(0)
                : probe.models().size() + " models: " + String.join(", ", probe.models())) + ")"
                : "does not answer at " + probe.baseUrl() + " (OLLAMA_BASE_URL): " + probe.problem();

        Optional<ModelRoute> resolved = ModelRouter.resolve(defaultModel, table);
        String problem = null;
        List<String> fixes = new ArrayList<>();
        if (resolved.isEmpty()) {
            problem = "BRAIN_TRUST_DEFAULT_MODEL is '" + defaultModel + "', which no provider serves";
            fixes.add("set BRAIN_TRUST_DEFAULT_MODEL to a model name: " + ModelRouter.NAMING_RULES);
        } else {
            ModelRoute route = resolved.get();
            String missing = router.missingKey(route);
            if (missing != null) {
                problem = "the default model " + route.describe() + " needs " + route.provider().title() + ", which has no key";
                fixes.add(missing.substring(0, 1).toUpperCase() + missing.substring(1));
            } else if (route.provider() == Provider.OLLAMA && !probe.answers()) {
                problem = "the default model " + route.describe() + " needs the Ollama server at " + probe.baseUrl()
                        + " (OLLAMA_BASE_URL), which does not answer: " + probe.problem();
                fixes.add("start Ollama ('ollama serve'), or set OLLAMA_BASE_URL to where it runs");
            } else if (route.provider() == Provider.OLLAMA && !probe.has(route.providerModel())) {
                problem = "the Ollama server at " + probe.baseUrl() + " has no model '" + route.providerModel() + "'";
                fixes.add("run 'ollama pull " + route.providerModel() + "'");
            }
            if (problem != null) {
                otherWays(route.provider(), keys, probe, fixes);
            }
        }
        List<String> fromFile = new ArrayList<>(table.fromFile().keySet());
        return new ModelStatus(defaultModel, resolved.map(r -> r.describe() + " (" + r.provider().title() + ")").orElse(null),
                problem, fixes, providers, ollamaText, table.aliases(), fromFile, table.problem());
    }

    /** Ways to run with another provider: one that has a key, Ollama, or an OpenAI-compatible server. */
    private static void otherWays(Provider current, Config.ModelKeys keys, OllamaProbe.Result probe, List<String> fixes) {
        if (current != Provider.OPENAI) {
            fixes.add(keys.openAiKey() != null || keys.openAiBaseUrl() != null
                    ? "or use OpenAI, which is set up: BRAIN_TRUST_DEFAULT_MODEL=gpt-4o-mini"
                    : "or set OPENAI_API_KEY (or OPENAI_BASE_URL) and BRAIN_TRUST_DEFAULT_MODEL=gpt-4o-mini");
        }
        if (current != Provider.ANTHROPIC) {
            fixes.add(keys.anthropicKey() != null ? "or use Anthropic, which has a key: BRAIN_TRUST_DEFAULT_MODEL=claude-sonnet-4-5"
                    : "or set ANTHROPIC_API_KEY and BRAIN_TRUST_DEFAULT_MODEL=claude-sonnet-4-5");
        }
        if (current != Provider.GEMINI) {
            fixes.add(keys.geminiKey() != null ? "or use Google Gemini, which has a key: BRAIN_TRUST_DEFAULT_MODEL=gemini-2.5-flash"
                    : "or set GEMINI_API_KEY and BRAIN_TRUST_DEFAULT_MODEL=gemini-2.5-flash");
        }
        if (current != Provider.OLLAMA) {
            if (probe.answers() && !probe.models().isEmpty()) {
                fixes.add("or use the local Ollama, which answers: BRAIN_TRUST_DEFAULT_MODEL=ollama:" + probe.models().get(0));
            } else if (probe.answers()) {
                fixes.add("or 'ollama pull " + OLLAMA_EXAMPLE + "' and BRAIN_TRUST_DEFAULT_MODEL=ollama:" + OLLAMA_EXAMPLE);
            } else {
                fixes.add("or run Ollama locally ('ollama pull " + OLLAMA_EXAMPLE + "') and set BRAIN_TRUST_DEFAULT_MODEL=ollama:"
                        + OLLAMA_EXAMPLE + " (OLLAMA_BASE_URL if it is not at " + probe.baseUrl() + ")");
            }
        }
    }
}
