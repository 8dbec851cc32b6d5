package dev.braintrust.workflow;

import dev.braintrust.context.PromptComposer;

import java.util.Objects;

/**
 * One agent of a workflow: a React Flow node of type {@code agentNode} and its {@code data}.
 * Every field but the id may be null.
 *
 * @param model    the model name; null means BRAIN_TRUST_DEFAULT_MODEL
 * @param approval {@value #APPROVE_BEFORE} or {@value #APPROVE_AFTER}: a human approves the agent's task before it
 *                 runs, or its output before the agents after it get it; null means no approval
 */
public record AgentNode(String id, String name, String role, String goal, String backstory, String prompt, String model,
                        String approval) {
    public static final String APPROVE_BEFORE = "before";
    public static final String APPROVE_AFTER = "after";

    public AgentNode {
        Objects.requireNonNull(id);
        if (approval != null && !approval.equals(APPROVE_BEFORE) && !approval.equals(APPROVE_AFTER)) {
            throw new IllegalArgumentException("approval must be before or after, not " + approval);
        }
    }

    /** An agent without an approval. */
    public AgentNode(String id, String name, String role, String goal, String backstory, String prompt, String model) {
        this(id, name, role, goal, backstory, prompt, model, null);
    }

    /** This agent with {@code input} after what it is asked to do (under {@link Workflow#INPUT_HEADING}), or as its whole task when it has none. */
    AgentNode withInput(String input) {
        String base = instruction();
        String task = base == null ? input : base + "\n\n---\n\n" + Workflow.INPUT_HEADING + "\n" + input;
        return new AgentNode(id, name, role, goal, backstory, task, model, approval);
    }

    /** The name other agents and the journal know it by: its name, else its role, else its id. */
    public String displayName() {
        return firstNonBlank(name, role, id);
    }

    /** What it is asked to do: its prompt, else its goal, else "Execute role: role"; null when it has none of them. */
    public String instruction() {
        if (!isBlank(prompt)) {
            return prompt.strip();
        }
        if (!isBlank(goal)) {
            return goal.strip();
        }
        return isBlank(role) ? null : "Execute role: " + role.strip();
    }

    /** What of this agent goes into its system prompt: role, backstory, goal. */
    public PromptComposer.Agent promptFields() {
        return new PromptComposer.Agent(role, backstory, goal);
    }

    static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }

    private static String firstNonBlank(String... values) {
        for (String v : values) {
            if (!isBlank(v)) {
                return v.strip();
            }
        }
        return "";
    }
}
