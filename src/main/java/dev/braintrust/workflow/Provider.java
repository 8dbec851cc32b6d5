package dev.braintrust.workflow;

import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;

/** The model providers Brain Trust talks to, and the variable that holds each one's key. */
public enum Provider {
    OPENAI("OpenAI", "OPENAI_API_KEY", "OPENAI_BASE_URL", "https://api.openai.com/v1"),
    ANTHROPIC("Anthropic", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "https://api.anthropic.com/v1"),
    GEMINI("Google Gemini", "GEMINI_API_KEY", "GEMINI_BASE_URL", "https://generativelanguage.googleapis.com/v1beta"),
    /** A local Ollama server: no key. */
    OLLAMA("Ollama", null, "OLLAMA_BASE_URL", null);

    private final String title;
    private final String keyVariable;
    private final String baseUrlVariable;
    private final String publicBaseUrl;

    Provider(String title, String keyVariable, String baseUrlVariable, String publicBaseUrl) {
        this.title = title;
        this.keyVariable = keyVariable;
        this.baseUrlVariable = baseUrlVariable;
        this.publicBaseUrl = publicBaseUrl;
    }

    /** The variable that points at another server speaking this provider's protocol. */
    public String baseUrlVariable() {
        return baseUrlVariable;
    }

    /** Where calls go: the configured base URL, else the provider's own (Ollama's always has a configured default). */
    public String baseUrl(dev.braintrust.Config.ModelKeys keys) {
        String configured = switch (this) {
            case OPENAI -> keys.openAiBaseUrl();
            case ANTHROPIC -> keys.anthropicBaseUrl();
            case GEMINI -> keys.geminiBaseUrl();
            case OLLAMA -> keys.ollamaBaseUrl();
        };
        return configured != null ? configured : publicBaseUrl;
    }

    public String title() {
        return title;
    }

    /** The environment variable that holds the key, or null when none is needed. */
    public String keyVariable() {
        return keyVariable;
    }

    @JsonValue
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
