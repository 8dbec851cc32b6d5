package dev.braintrust.workflow;

import dev.braintrust.journal.ContextShare;

import java.util.List;

/**
 * What a run would send, without calling any model: every agent's exact system prompt and task.
 * Tasks of agents with upstream agents show where each upstream output will go.
 *
 * @param ready    false when the run could not start, or its models could not answer, as things are (see {@code problems})
 * @param problems what to fix before running, e.g. a provider key to set, or an Ollama server that does not answer
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
     * @param model         the model as written (or the default model)
     * @param aliasOf       the model an alias stands for; null when {@code model} is no alias
     * @param providerModel the name sent to the provider
     * @param context       where its calls would go, the context files it would receive and those withheld from it
     */
    public record Agent(String nodeId, String name, String model, String aliasOf, Provider provider, String providerModel,
                        List<String> upstream, String systemPrompt, String task, ContextShare context) {
        public Agent {
            upstream = List.copyOf(upstream);
        }

        /** {@code claude-3-5-sonnet → claude-sonnet-4-5}, or the model's name when it is no alias. */
        public String modelShown() {
            return aliasOf == null ? model : model + " → " + aliasOf;
        }
    }

    /** The placeholder a dry run shows where an upstream agent's output will be. */
    static String placeholder(String agent) {
        return "<the output of " + agent + ">";
    }
}
