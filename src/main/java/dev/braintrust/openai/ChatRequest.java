package dev.braintrust.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.braintrust.BrainTrustException;
import dev.braintrust.workflow.ChatTurn;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A {@code POST /v1/chat/completions} body as OpenAI clients send it. Only what Brain Trust uses is
 * read: {@code model}, {@code messages}, {@code stream}, {@code stream_options.include_usage}, and
 * Open WebUI's {@code metadata.task}; every other parameter ({@code user}, {@code stop},
 * {@code temperature}, penalties, {@code tools}...) is accepted and ignored.
 *
 * @param turns        the messages, {@code developer} read as {@code system}, tool results as user text
 * @param includeUsage {@code stream_options.include_usage}: a last chunk with the usage
 * @param task         {@code metadata.task} when a client marks its housekeeping requests so; else null
 */
record ChatRequest(String model, List<ChatTurn> turns, boolean stream, boolean includeUsage, String task) {
    static final int MAX_MODEL_CHARS = 256;

    ChatRequest {
        turns = List.copyOf(turns);
    }

    /**
     * @throws BrainTrustException.BadInput naming what is missing or of the wrong shape
     */
    static ChatRequest parse(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new BrainTrustException.BadInput("the body must be a JSON object: {\"model\": \"brain-trust\", "
                    + "\"messages\": [{\"role\": \"user\", \"content\": \"...\"}]}");
        }
        JsonNode model = body.get("model");
        if (model == null || !model.isTextual() || model.asText().isBlank()) {
            throw new BrainTrustException.BadInput("'model' is required: brain-trust, or workflow/<name> (GET /v1/models lists them)");
        }
        if (model.asText().length() > MAX_MODEL_CHARS) {
            throw new BrainTrustException.BadInput("'model' is longer than " + MAX_MODEL_CHARS + " characters");
        }
        JsonNode messages = body.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw new BrainTrustException.BadInput("'messages' must be a non-empty array of {\"role\", \"content\"}");
        }
        List<ChatTurn> turns = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            if (!m.isObject() || !m.path("role").isTextual()) {
                throw new BrainTrustException.BadInput("messages[" + i + "] must be an object with a 'role'");
            }
            turns.add(new ChatTurn(role(m.get("role").asText(), i), text(m.get("content"), i)));
        }
        JsonNode task = body.path("metadata").path("task");
        return new ChatRequest(model.asText().strip(), turns, body.path("stream").asBoolean(false),
                body.path("stream_options").path("include_usage").asBoolean(false), task.isTextual() ? task.asText() : null);
    }

    private static String role(String role, int index) {
        return switch (role.toLowerCase(Locale.ROOT)) {
            case "system", "developer" -> ChatTurn.SYSTEM;
            case "user", "tool", "function" -> ChatTurn.USER;
            case "assistant" -> ChatTurn.ASSISTANT;
            default -> throw new BrainTrustException.BadInput("messages[" + index + "] has the role '" + role
                    + "'; use system, developer, user, assistant or tool");
        };
    }

    /** A message's content: text, or an array of parts of which the text ones are kept. */
    private static String text(JsonNode content, int index) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        if (!content.isArray()) {
            throw new BrainTrustException.BadInput("messages[" + index + "].content must be text or an array of parts");
        }
        StringBuilder text = new StringBuilder();
        for (JsonNode part : content) {
            String type = part.path("type").asText("");
            if (type.equals("text") || type.equals("input_text")) {
                text.append(part.path("text").asText(""));
            } else if (part.isTextual()) {
                text.append(part.asText());
            } else {
                text.append("[").append(type.isEmpty() ? "a part" : type).append(" left out: Brain Trust passes text only]");
            }
        }
        return text.toString();
    }

    /** The last user message: what the conversation asks now. */
    String lastUserText() {
        for (int i = turns.size() - 1; i >= 0; i--) {
            if (turns.get(i).role().equals(ChatTurn.USER)) {
                return turns.get(i).text();
            }
        }
        throw new BrainTrustException.BadInput("'messages' has no user message: send at least one {\"role\": \"user\", ...}");
    }
}
