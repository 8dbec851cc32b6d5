package dev.braintrust.workflow;

import dev.braintrust.BrainTrustException;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * A workflow that passed validation: an execution order (upstream agents first, file order
 * among independent ones), each agent's upstream and downstream agents, and its model route.
 *
 * @param order    the agents in an order where every agent comes after all its upstream agents
 * @param notes    things that do not stop a run but the user should know (ignored nodes and edges)
 * @param keyProblems agents whose provider has no key, one line each naming the variable to set;
 *                 a plan with key problems can be shown (dry run) but not run
 */
public record WorkflowPlan(Workflow workflow, List<AgentNode> order, Map<String, List<String>> upstream,
                           Map<String, List<String>> downstream, Map<String, ModelRoute> routes,
                           List<String> notes, List<String> keyProblems) {

    public WorkflowPlan {
        order = List.copyOf(order);
        upstream = copy(upstream);
        downstream = copy(downstream);
        routes = Collections.unmodifiableMap(new LinkedHashMap<>(routes));
        notes = List.copyOf(notes);
        keyProblems = List.copyOf(keyProblems);
    }

    /**
     * Validates the graph and resolves every agent's model.
     *
     * @param defaultModel the model of agents that name none (BRAIN_TRUST_DEFAULT_MODEL)
     * @throws BrainTrustException.BadInput listing every problem: no agent nodes, duplicate ids, an edge
     *                                      to a missing node, a cycle (naming its nodes), an agent with nothing to do, a model no
     *                                      provider serves
     */
    public static WorkflowPlan of(Workflow workflow, String defaultModel, ModelRouter router) {
        List<String> problems = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        workflow.ignored().forEach((id, type) ->
                notes.add("node '" + id + "' has type '" + type + "', not " + Workflow.AGENT_TYPE + "; it is ignored"));
        if (workflow.agents().isEmpty()) {
            throw new BrainTrustException.BadInput("the workflow has no agent nodes: add at least one node of type "
                    + Workflow.AGENT_TYPE + " with a name and a prompt, goal or role");
        }
        Map<String, AgentNode> byId = new LinkedHashMap<>();
        Map<String, Integer> index = new HashMap<>();
        for (AgentNode agent : workflow.agents()) {
            if (byId.putIfAbsent(agent.id(), agent) != null) {
                problems.add("the node id '" + agent.id() + "' is used by more than one node");
            } else {
                index.put(agent.id(), index.size());
            }
        }
        for (String id : workflow.ignored().keySet()) {
            if (byId.containsKey(id)) {
                problems.add("the node id '" + id + "' is used by more than one node");
            }
        }

        Map<String, List<String>> upstream = new LinkedHashMap<>();
        Map<String, List<String>> downstream = new LinkedHashMap<>();
        byId.keySet().forEach(id -> {
            upstream.put(id, new ArrayList<>());
            downstream.put(id, new ArrayList<>());
        });
        Set<WorkflowEdge> seen = new LinkedHashSet<>();
        for (WorkflowEdge edge : workflow.edges()) {
            if (!seen.add(edge)) {
                continue;
            }
            boolean sourceIgnored = workflow.ignored().containsKey(edge.source());
            boolean targetIgnored = workflow.ignored().containsKey(edge.target());
            boolean sourceKnown = byId.containsKey(edge.source()) || sourceIgnored;
            boolean targetKnown = byId.containsKey(edge.target()) || targetIgnored;
            if (!sourceKnown || !targetKnown) {
                String missing = !sourceKnown ? edge.source() : edge.target();
                problems.add("the edge " + edge.source() + " → " + edge.target() + " points at '" + missing
                        + "', which is not a node of this workflow");
                continue;
            }
            if (sourceIgnored || targetIgnored) {
                notes.add("the edge " + edge.source() + " → " + edge.target() + " touches a node that is not an agent; it is ignored");
                continue;
            }
            if (edge.source().equals(edge.target())) {
                problems.add("the workflow has a cycle: " + label(byId.get(edge.source())) + " → " + label(byId.get(edge.source())));
                continue;
            }
            upstream.get(edge.target()).add(edge.source());
            downstream.get(edge.source()).add(edge.target());
        }

        Map<String, ModelRoute> routes = new LinkedHashMap<>();
        Map<String, List<String>> missingKeyUsers = new LinkedHashMap<>();
        ModelAliases.Table aliases = router.aliases().table();
        if (aliases.problem() != null) {
            problems.add(aliases.problem());
        }
        for (AgentNode agent : byId.values()) {
            if (agent.instruction() == null) {
                problems.add("the agent " + label(agent) + " has no prompt, goal or role: give it one, so it knows what to do");
            }
            String model = AgentNode.isBlank(agent.model()) ? defaultModel : agent.model().strip();
            ModelRoute route = ModelRouter.resolve(model, aliases).orElse(null);
            if (route == null) {
                String target = aliases.target(model);
                problems.add("the agent " + label(agent) + " uses the model '" + model + "'"
                        + (target == null ? "" : ", an alias (" + ModelAliases.FILE_PATH + ") of '" + target + "'")
                        + ", which no provider serves: " + ModelRouter.NAMING_RULES);
                continue;
            }
            routes.put(agent.id(), route);
            String missing = router.missingKey(route);
            if (missing != null) {
                missingKeyUsers.computeIfAbsent(route.provider().title() + "\0" + missing, k -> new ArrayList<>())
                        .add(label(agent) + " uses " + route.describe());
            }
        }
        List<String> keyProblems = new ArrayList<>();
        missingKeyUsers.forEach((key, users) -> {
            String[] parts = key.split("\0", 2);
            keyProblems.add(parts[0] + " has no key (" + String.join(", ", users) + "): " + parts[1]);
        });

        List<AgentNode> order = problems.isEmpty() ? topologicalOrder(byId, index, upstream, downstream, problems) : List.of();
        if (!problems.isEmpty()) {
            throw new BrainTrustException.BadInput("the workflow is not valid: " + String.join("; ", problems));
        }
        return new WorkflowPlan(workflow, order, upstream, downstream, routes, notes, keyProblems);
    }

    /** Kahn's algorithm, taking ready agents in file order; what is left over contains a cycle, which is named. */
    private static List<AgentNode> topologicalOrder(Map<String, AgentNode> byId, Map<String, Integer> index,
                                                    Map<String, List<String>> upstream, Map<String, List<String>> downstream,
                                                    List<String> problems) {
        Map<String, Integer> pending = new HashMap<>();
        PriorityQueue<String> ready = new PriorityQueue<>((a, b) -> Integer.compare(index.get(a), index.get(b)));
        upstream.forEach((id, ups) -> {
            pending.put(id, ups.size());
            if (ups.isEmpty()) {
                ready.add(id);
            }
        });
        List<AgentNode> order = new ArrayList<>();
        while (!ready.isEmpty()) {
            String id = ready.poll();
            order.add(byId.get(id));
            for (String next : downstream.get(id)) {
                if (pending.merge(next, -1, Integer::sum) == 0) {
                    ready.add(next);
                }
            }
        }
        if (order.size() < byId.size()) {
            problems.add("the workflow has a cycle: " + describeCycle(byId, upstream, pending));
        }
        return order;
    }

    /** Every agent left over has an unfinished upstream agent; walking upstream must come back round. */
    private static String describeCycle(Map<String, AgentNode> byId, Map<String, List<String>> upstream,
                                        Map<String, Integer> pending) {
        String start = byId.keySet().stream().filter(id -> pending.get(id) > 0).findFirst().orElseThrow();
        List<String> path = new ArrayList<>();
        Map<String, Integer> at = new HashMap<>();
        String current = start;
        while (!at.containsKey(current)) {
            at.put(current, path.size());
            path.add(current);
            current = upstream.get(current).stream().filter(u -> pending.get(u) > 0).findFirst().orElseThrow();
        }
        List<String> cycle = new ArrayList<>(path.subList(at.get(current), path.size()));
        Collections.reverse(cycle);
        List<String> fileOrder = new ArrayList<>(byId.keySet());
        String first = cycle.stream().min((a, b) -> Integer.compare(fileOrder.indexOf(a), fileOrder.indexOf(b))).orElseThrow();
        Collections.rotate(cycle, -cycle.indexOf(first));
        cycle.add(cycle.get(0));
        List<String> labels = cycle.stream().map(id -> label(byId.get(id))).toList();
        return String.join(" → ", labels);
    }

    static String label(AgentNode agent) {
        String name = agent.displayName();
        return name.equals(agent.id()) ? "'" + name + "'" : "'" + name + "' (node " + agent.id() + ")";
    }

    /** The agents nothing depends on: their outputs make the run's final output. */
    public List<AgentNode> sinks() {
        return order.stream().filter(a -> downstream.get(a.id()).isEmpty()).toList();
    }

    /** Fails with every key problem when a provider the workflow needs has no key. */
    public void requireKeys() {
        requireKeys("the workflow");
    }

    /** As {@link #requireKeys()}, saying what cannot run ("the chat agent"). */
    public void requireKeys(String what) {
        if (!keyProblems.isEmpty()) {
            throw new BrainTrustException.BadInput(what + " cannot run: " + String.join("; ", keyProblems));
        }
    }

    private static Map<String, List<String>> copy(Map<String, List<String>> map) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        map.forEach((k, v) -> out.put(k, List.copyOf(v)));
        return Collections.unmodifiableMap(out);
    }
}
