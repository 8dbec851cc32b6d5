package dev.braintrust.workflow;

import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;

/** The model providers Brain Trust talks to, and the variable that holds each one's key. */
public enum Provider {
    OPENAI("OpenAI", "OPENAI_API_KEY"),
    ANTHROPIC("Anthropic", "ANTHROPIC_API_KEY"),
    GEMINI("Google Gemini", "GEMINI_API_KEY"),
    /** A local Ollama server: no key. */
    OLLAMA("Ollama", null);

    private final String title;
    private final String keyVariable;

    Provider(String title, String keyVariable) {
        this.title = title;
        this.keyVariable = keyVariable;
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
