package dev.braintrust.workflow;

import java.util.Objects;

/**
 * One message of a conversation a client sends (an OpenAI-compatible chat, for instance).
 *
 * @param role system, user or assistant
 * @param text the message's text
 */
public record ChatTurn(String role, String text) {
    public static final String SYSTEM = "system";
    public static final String USER = "user";
    public static final String ASSISTANT = "assistant";

    public ChatTurn {
        Objects.requireNonNull(role);
        text = text == null ? "" : text;
    }
}
