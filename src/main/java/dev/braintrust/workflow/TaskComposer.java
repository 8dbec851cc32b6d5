package dev.braintrust.workflow;

import java.util.List;

/**
 * An agent's task (ARCHITECTURE.md §4): its prompt, else its goal, else "Execute role: role",
 * followed by the outputs of its upstream agents, each under the upstream agent's name.
 */
final class TaskComposer {
    static final String UPSTREAM_HEADING = "# OUTPUTS OF EARLIER AGENTS";

    /** An upstream agent's name and output. */
    record Input(String agent, String output) {
    }

    private TaskComposer() {
    }

    static String compose(AgentNode agent, List<Input> upstream) {
        StringBuilder task = new StringBuilder(agent.instruction());
        if (!upstream.isEmpty()) {
            task.append("\n\n---\n\n").append(UPSTREAM_HEADING).append('\n');
            for (Input input : upstream) {
                task.append("\n## ").append(input.agent()).append('\n')
                        .append(input.output() == null ? "" : input.output().strip()).append('\n');
            }
        }
        return task.toString();
    }
}
