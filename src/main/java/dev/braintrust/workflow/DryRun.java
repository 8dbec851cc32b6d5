package dev.braintrust.workflow;

import dev.braintrust.journal.ContextShare;

import java.util.List;

/**
 * What a run would send, without calling any model: every agent's exact system prompt and task.
 * Tasks of agents with upstream agents show where each upstream output will go.
 *
 * @param ready    false when the run could not start as things are (see {@code problems})
 * @param problems what to fix before running, e.g. a provider key to set
 * @param notes    parts of the graph that are ignored
 */
public record DryRun(String workflow, String revision, boolean ready, List<Agent> agents, List<String> problems,
                     List<String> notes) {
    public DryRun {
        agents = List.copyOf(agents);
        problems = List.copyOf(problems);
        notes = List.copyOf(notes);
    }

    /**
     * One agent, in execution order.
     *
     * @param context where its calls would go, the context files it would receive and those withheld from it
     */
    public record Agent(String nodeId, String name, String model, Provider provider, List<String> upstream,
                        String systemPrompt, String task, ContextShare context) {
        public Agent {
            upstream = List.copyOf(upstream);
        }
    }

    /** The placeholder a dry run shows where an upstream agent's output will be. */
    static String placeholder(String agent) {
        return "<the output of " + agent + ">";
    }
}
