package dev.braintrust.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import dev.braintrust.BrainTrustException;

import java.util.Objects;

/**
 * A message to one agent: {@code POST /api/v1/chat} {@code {"message", "agent_config", "context"?}}
 * and {@code brain-trust chat}.
 *
 * @param agent   the agent: name, role, goal, backstory and model (all optional)
 * @param context extra material the message is about, appended under a heading; may be null
 */
public record AgentChat(String message, AgentNode agent, String context) {
    public static final int MAX_CHARS = Workflow.MAX_FIELD_CHARS;

    public AgentChat {
        Objects.requireNonNull(agent);
        if (message == null || message.isBlank()) {
            throw new BrainTrustException.BadInput("the chat needs a non-empty 'message'");
        }
        if (message.length() > MAX_CHARS) {
            throw new BrainTrustException.BadInput("the message is " + message.length() + " characters; at most " + MAX_CHARS);
        }
        if (context != null && context.length() > MAX_CHARS) {
            throw new BrainTrustException.BadInput("the context is " + context.length() + " characters; at most " + MAX_CHARS);
        }
    }

    /**
     * Reads the chat route's body. {@code context} may be text, or any JSON value (sent to the
     * agent as JSON); a boolean is ignored (the TELOS context is always given); {@code agent_config}
     * (or {@code agentConfig}) takes the fields of a node's {@code data}.
     *
     * @throws BrainTrustException.BadInput when the body is not of that shape
     */
    public static AgentChat fromJson(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new BrainTrustException.BadInput("the chat body must be a JSON object: {\"message\": \"...\", \"agent_config\": {...}}");
        }
        JsonNode message = body.get("message");
        if (message == null || !message.isTextual()) {
            throw new BrainTrustException.BadInput("the chat needs a 'message' (text)");
        }
        JsonNode config = body.has("agent_config") ? body.get("agent_config") : body.get("agentConfig");
        if (config != null && !config.isNull() && !config.isObject()) {
            throw new BrainTrustException.BadInput("'agent_config' must be an object with name, role, goal, backstory, model");
        }
        JsonNode contextNode = body.get("context");
        String context = contextNode == null || contextNode.isNull() || contextNode.isBoolean() ? null
                : contextNode.isTextual() ? contextNode.asText() : contextNode.toPrettyString();
        return new AgentChat(message.asText(), agent(config), context);
    }

    public static AgentNode agent(String name, String backstory, String model) {
        return new AgentNode("chat", name == null || name.isBlank() ? "Assistant" : name, null, null, backstory, null, model);
    }

    private static AgentNode agent(JsonNode config) {
        if (config == null || config.isNull()) {
            return agent(null, null, null);
        }
        return new AgentNode("chat", text(config, "name", "Assistant"), text(config, "role", null), text(config, "goal", null),
                text(config, "backstory", null), null, text(config, "model", null));
    }

    private static String text(JsonNode config, String field, String fallback) {
        JsonNode value = config.get(field);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.isTextual()) {
            throw new BrainTrustException.BadInput("'agent_config." + field + "' must be text");
        }
        if (value.asText().length() > MAX_CHARS) {
            throw new BrainTrustException.BadInput("'agent_config." + field + "' is longer than " + MAX_CHARS + " characters");
        }
        return value.asText().isBlank() ? fallback : value.asText();
    }

    /** The one-agent workflow the chat runs as: the agent, with the message (and context) as its prompt. */
    Workflow asWorkflow() {
        String task = context == null || context.isBlank() ? message
                : message + "\n\n---\n\n# CONTEXT\n" + context.strip();
        AgentNode node = new AgentNode(agent.id(), agent.name(), agent.role(), agent.goal(), agent.backstory(), task, agent.model());
        return Workflow.single("Chat with " + node.displayName(), node);
    }
}
