package dev.braintrust.workflow;

/**
 * An agent's answer to a chat message.
 *
 * @param runId    the chat is stored as a one-agent run; its id
 * @param revision the context revision the agent was given
 */
public record ChatReply(String response, String agent, String model, String runId, String revision) {
}
