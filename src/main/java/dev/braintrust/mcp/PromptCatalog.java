package dev.braintrust.mcp;

import dev.braintrust.BrainTrust;
import dev.braintrust.BrainTrustException;
import dev.braintrust.context.ContextSnapshot;
import dev.braintrust.context.PromptComposer;
import dev.braintrust.workflow.AgentNode;
import dev.braintrust.workflow.SavedWorkflow;
import dev.braintrust.workflow.Workflow;
import dev.braintrust.workflow.WorkflowEdge;
import io.modelcontextprotocol.server.McpServerFeatures.SyncPromptSpecification;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.GetPromptResult;
import io.modelcontextprotocol.spec.McpSchema.Prompt;
import io.modelcontextprotocol.spec.McpSchema.PromptArgument;
import io.modelcontextprotocol.spec.McpSchema.PromptMessage;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The MCP prompts: {@code with-my-context} (the TELOS block and the user's instructions, exactly what
 * an agent of Brain Trust is given) and one {@code workflow-<name>} per saved workflow, which walks
 * the client's model through the workflow's agents in order, with the user's context first.
 */
final class PromptCatalog {
    static final String WITH_MY_CONTEXT = "with-my-context";
    static final String WORKFLOW_PREFIX = "workflow-";

    private final BrainTrust bt;
    private final ClientContext context;

    PromptCatalog(BrainTrust bt) {
        this.bt = bt;
        this.context = new ClientContext(bt);
    }

    /** The prompts there are now, by name. */
    Map<String, Prompt> current() {
        Map<String, Prompt> all = new LinkedHashMap<>();
        all.put(WITH_MY_CONTEXT, new Prompt(WITH_MY_CONTEXT, "With my context",
                "Your TELOS context (mission, beliefs, goals, identity and the other context files), then your instructions",
                List.of(new PromptArgument("instructions", "What you want done, or the role to play", false))));
        for (SavedWorkflow saved : bt.workflows().list()) {
            if (saved.usable()) {
                String name = WORKFLOW_PREFIX + saved.name();
                all.put(name, new Prompt(name, "Workflow: " + saved.title(),
                        "Your context, then the agents of the saved workflow '" + saved.name() + "' as steps to work through",
                        List.of(new PromptArgument("input", "What the workflow works on (given to its first agents)", false))));
            }
        }
        return all;
    }

    SyncPromptSpecification spec(Prompt prompt) {
        return new SyncPromptSpecification(prompt, (exchange, request) -> get(request.name(), request.arguments()));
    }

    /** A prompt, with the context clients are cleared for ({@link ClientContext}). */
    GetPromptResult get(String name, Map<String, Object> arguments) {
        ContextSnapshot snapshot = context.now().snapshot();
        if (name.equals(WITH_MY_CONTEXT)) {
            String instructions = argument(arguments, "instructions");
            return result("Your context at revision " + snapshot.revision(), PromptComposer.compose(snapshot, instructions));
        }
        if (name.startsWith(WORKFLOW_PREFIX)) {
            String saved = name.substring(WORKFLOW_PREFIX.length());
            Workflow workflow;
            try {
                workflow = Workflow.fromJson(bt.workflows().read(saved), saved).withInput(argument(arguments, "input"));
            } catch (BrainTrustException e) {
                throw McpError.builder(McpSchema.ErrorCodes.INVALID_PARAMS).message(e.getMessage()).build();
            }
            return result("The workflow '" + workflow.name() + "' with your context at revision " + snapshot.revision(),
                    workflowText(snapshot, workflow));
        }
        throw McpError.builder(McpSchema.ErrorCodes.INVALID_PARAMS).message("no prompt named '" + name + "'").build();
    }

    /** The TELOS block, then each agent as a step: who it is, what it does, whose outputs it receives. */
    static String workflowText(ContextSnapshot snapshot, Workflow workflow) {
        StringBuilder out = new StringBuilder(ResourceCatalog.telosBlock(snapshot));
        out.append("\n---\n\n# WORKFLOW: ").append(workflow.name()).append('\n')
                .append("Work through these steps in order, as each agent would. A step that names earlier steps works on their results.\n");
        List<AgentNode> agents = workflow.agents();
        for (int i = 0; i < agents.size(); i++) {
            AgentNode agent = agents.get(i);
            out.append("\n## Step ").append(i + 1).append(": ").append(agent.displayName()).append('\n');
            if (agent.role() != null && !agent.role().isBlank()) {
                out.append("You are ").append(agent.role().strip()).append(".\n");
            }
            if (agent.backstory() != null && !agent.backstory().isBlank()) {
                out.append(agent.backstory().strip()).append('\n');
            }
            if (agent.goal() != null && !agent.goal().isBlank()) {
                out.append("Your personal goal is: ").append(agent.goal().strip()).append('\n');
            }
            List<String> upstream = upstreamNames(workflow, agent);
            if (!upstream.isEmpty()) {
                out.append("Works on the results of: ").append(String.join(", ", upstream)).append('\n');
            }
            String task = agent.instruction();
            if (task != null) {
                out.append("\nTask:\n").append(task).append('\n');
            }
        }
        return out.toString();
    }

    private static List<String> upstreamNames(Workflow workflow, AgentNode agent) {
        List<String> names = new ArrayList<>();
        for (WorkflowEdge edge : workflow.edges()) {
            if (edge.target().equals(agent.id())) {
                workflow.agents().stream().filter(a -> a.id().equals(edge.source())).findFirst()
                        .ifPresent(a -> names.add(a.displayName()));
            }
        }
        return names;
    }

    private static GetPromptResult result(String description, String text) {
        return new GetPromptResult(description, List.of(new PromptMessage(McpSchema.Role.USER, new McpSchema.TextContent(text))));
    }

    static String argument(Map<String, Object> arguments, String name) {
        Object value = arguments == null ? null : arguments.get(name);
        return value == null ? null : value.toString();
    }
}
