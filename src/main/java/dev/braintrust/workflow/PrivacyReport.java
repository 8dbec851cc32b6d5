package dev.braintrust.workflow;

import dev.braintrust.Config;
import dev.braintrust.context.ContextFile;
import dev.braintrust.context.ContextSnapshot;
import dev.braintrust.context.Privacy;
import dev.braintrust.journal.ContextShare;

import java.util.ArrayList;
import java.util.List;

/**
 * What {@code status} says about privacy: each context file's tier, which servers count as local,
 * the clearance of MCP clients, and for every agent of the saved workflows where its calls go and
 * which files it receives and which are withheld from it.
 *
 * @param files           each context file and its tier, in load order
 * @param localModelHosts BRAIN_TRUST_LOCAL_MODEL_HOSTS (an Ollama on loopback is local without it)
 * @param mcpPrivacy      BRAIN_TRUST_MCP_PRIVACY: the tier MCP and OpenAI-compatible clients are cleared for
 * @param agents          every agent of the usable saved workflows
 */
public record PrivacyReport(List<FileTier> files, List<String> localModelHosts, String mcpPrivacy, List<AgentShare> agents) {
    public record FileTier(String name, String privacy) {
    }

    /** One agent of a saved workflow, with the context it would receive. */
    public record AgentShare(String workflow, String agent, String model, ContextShare context) {
    }

    public PrivacyReport {
        files = List.copyOf(files);
        localModelHosts = List.copyOf(localModelHosts);
        agents = List.copyOf(agents);
    }

    /** True when some file is kept back from some destination. */
    public boolean anyRestricted() {
        return files.stream().anyMatch(f -> !f.privacy().equals(Privacy.PUBLIC.label()));
    }

    /**
     * @param workflows saved workflow name to its graph (the ones that could be read)
     */
    public static PrivacyReport of(Config config, ContextSnapshot snapshot, java.util.Map<String, Workflow> workflows) {
        ModelDestinations destinations = new ModelDestinations(config.models(), config.egress().localModelHosts());
        AgentContexts contexts = new AgentContexts(snapshot, destinations);
        List<AgentShare> agents = new ArrayList<>();
        workflows.forEach((name, workflow) -> {
            for (AgentNode agent : workflow.agents()) {
                String model = AgentNode.isBlank(agent.model()) ? config.defaultModel() : agent.model().strip();
                ModelRouter.route(model).ifPresent(route ->
                        agents.add(new AgentShare(name, agent.displayName(), route.model(), contexts.of(route).share())));
            }
        });
        return new PrivacyReport(
                snapshot.files().stream().map((ContextFile f) -> new FileTier(f.name(), f.privacy().label())).toList(),
                config.egress().localModelHosts(), config.egress().mcpPrivacy().label(), agents);
    }
}
