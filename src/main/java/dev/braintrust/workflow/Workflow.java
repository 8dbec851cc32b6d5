package dev.braintrust.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import dev.braintrust.BrainTrustException;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A workflow as the original Brain Trust UI writes it (ARCHITECTURE.md §4):
 * {@code {"nodes":[{"id","type":"agentNode","data":{"name","role","goal","backstory","prompt","model"}}],
 * "edges":[{"source","target"}]}}. Extra fields ({@code position}, {@code description}, edge ids,
 * styling) are ignored; the top-level {@code name} names the workflow.
 *
 * @param name    the top-level {@code name}, else the name it was saved or posted under
 * @param agents  the agent nodes, in file order
 * @param edges   every edge, in file order (including any that point at missing nodes: validation reports them)
 * @param ignored the nodes that are not agents, id to type: other node types are display-only and skipped,
 *                with the edges that touch them
 * @param budget  the top-level {@code budget}: what one run may use ({@link Budget#NONE} when absent)
 */
public record Workflow(String name, List<AgentNode> agents, List<WorkflowEdge> edges, Map<String, String> ignored,
                       Budget budget) {
    public static final String AGENT_TYPE = "agentNode";
    public static final int MAX_NODES = 200;
    public static final int MAX_EDGES = 2000;
    public static final int MAX_FIELD_CHARS = 100_000;
    /** The heading under which {@link #withInput} puts the input in an entry agent's task. */
    public static final String INPUT_HEADING = "# INPUT";

    public Workflow {
        agents = List.copyOf(agents);
        edges = List.copyOf(edges);
        ignored = Collections.unmodifiableMap(new LinkedHashMap<>(ignored));
        budget = budget == null ? Budget.NONE : budget;
    }

    /** A workflow without a budget. */
    public Workflow(String name, List<AgentNode> agents, List<WorkflowEdge> edges, Map<String, String> ignored) {
        this(name, agents, edges, ignored, Budget.NONE);
    }

    /**
     * Reads the graph from its JSON.
     *
     * @param fallbackName the name to use when the JSON has no {@code name}
     * @throws BrainTrustException.BadInput listing every structural problem (not an object, no
     *                                      nodes array, a node without id, a field that is not text, too large)
     */
    public static Workflow fromJson(JsonNode root, String fallbackName) {
        List<String> problems = new ArrayList<>();
        if (root == null || !root.isObject()) {
            throw new BrainTrustException.BadInput("a workflow must be a JSON object with 'nodes' and 'edges'");
        }
        JsonNode nodes = root.get("nodes");
        if (nodes == null || !nodes.isArray()) {
            throw new BrainTrustException.BadInput("the workflow has no 'nodes' array; it needs at least one node of type agentNode");
        }
        if (nodes.size() > MAX_NODES) {
            throw new BrainTrustException.BadInput("the workflow has " + nodes.size() + " nodes; at most " + MAX_NODES + " are allowed");
        }
        List<AgentNode> agents = new ArrayList<>();
        Map<String, String> ignored = new LinkedHashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            JsonNode node = nodes.get(i);
            if (!node.isObject()) {
                problems.add("node " + (i + 1) + " is not an object");
                continue;
            }
            String id = scalar(node.get("id"));
            if (id == null || id.isBlank()) {
                problems.add("node " + (i + 1) + " has no id");
                continue;
            }
            String type = scalar(node.get("type"));
            if (type != null && !type.equals(AGENT_TYPE)) {
                ignored.put(id, type);
                continue;
            }
            JsonNode data = node.path("data");
            if (!data.isMissingNode() && !data.isNull() && !data.isObject()) {
                problems.add("node '" + id + "': 'data' must be an object");
                continue;
            }
            agents.add(new AgentNode(id,
                    text(data, "name", id, problems), text(data, "role", id, problems), text(data, "goal", id, problems),
                    text(data, "backstory", id, problems), text(data, "prompt", id, problems),
                    text(data, "model", id, problems), approval(data, id, problems)));
        }
        List<WorkflowEdge> edges = new ArrayList<>();
        JsonNode edgeArray = root.get("edges");
        if (edgeArray != null && !edgeArray.isNull()) {
            if (!edgeArray.isArray()) {
                problems.add("'edges' must be an array of {\"source\", \"target\"}");
            } else if (edgeArray.size() > MAX_EDGES) {
                problems.add("the workflow has " + edgeArray.size() + " edges; at most " + MAX_EDGES + " are allowed");
            } else {
                for (int i = 0; i < edgeArray.size(); i++) {
                    JsonNode edge = edgeArray.get(i);
                    String source = scalar(edge.get("source"));
                    String target = scalar(edge.get("target"));
                    if (source == null || target == null) {
                        problems.add("edge " + (i + 1) + " needs both a 'source' and a 'target' node id");
                        continue;
                    }
                    edges.add(new WorkflowEdge(source, target));
                }
            }
        }
        Budget budget = Budget.fromJson(root.get("budget"), problems);
        if (!problems.isEmpty()) {
            throw new BrainTrustException.BadInput("the workflow is not valid: " + String.join("; ", problems));
        }
        String title = scalar(root.get("name"));
        String name = title != null && !title.isBlank() ? title.strip() : fallbackName;
        return new Workflow(name == null || name.isBlank() ? "workflow" : name, agents, edges, ignored, budget);
    }

    /** A one-agent workflow, as a chat runs. */
    public static Workflow single(String name, AgentNode agent) {
        return new Workflow(name, List.of(agent), List.of(), Map.of());
    }

    private static String scalar(JsonNode value) {
        if (value == null || value.isNull() || value.isContainerNode()) {
            return null;
        }
        return value.asText();
    }

    private static String text(JsonNode data, String field, String nodeId, List<String> problems) {
        JsonNode value = data.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            problems.add("node '" + nodeId + "': '" + field + "' must be text");
            return null;
        }
        String text = value.asText();
        if (text.length() > MAX_FIELD_CHARS) {
            problems.add("node '" + nodeId + "': '" + field + "' is " + text.length() + " characters; at most "
                    + MAX_FIELD_CHARS + " are allowed");
            return null;
        }
        return text;
    }

    /** {@code "approval": "before" | "after"} in a node's data; absent, null or "none" mean no approval. */
    private static String approval(JsonNode data, String nodeId, List<String> problems) {
        String value = text(data, "approval", nodeId, problems);
        if (value == null || value.isBlank() || value.strip().equalsIgnoreCase("none")) {
            return null;
        }
        String v = value.strip().toLowerCase(java.util.Locale.ROOT);
        if (!v.equals(AgentNode.APPROVE_BEFORE) && !v.equals(AgentNode.APPROVE_AFTER)) {
            problems.add("node '" + nodeId + "': 'approval' must be \"before\" (a human approves its task) or \"after\" "
                    + "(a human approves its output), not '" + value + "'");
            return null;
        }
        return v;
    }

    /**
     * This workflow with {@code input} handed to its entry agents (those no other agent feeds): it
     * follows each one's task under {@code # INPUT}, and is the whole task of an entry agent that had none.
     * A blank input leaves the workflow as it is. This is how a schedule's input, a changed file's diff,
     * a webhook's body, an MCP client's or a chat completion's input reach a run.
     */
    public Workflow withInput(String input) {
        if (input == null || input.isBlank()) {
            return this;
        }
        Set<String> ids = new HashSet<>();
        agents.forEach(a -> ids.add(a.id()));
        Set<String> fed = new HashSet<>();
        edges.stream().filter(e -> ids.contains(e.source())).forEach(e -> fed.add(e.target()));
        List<AgentNode> given = agents.stream().map(a -> fed.contains(a.id()) ? a : a.withInput(input.strip())).toList();
        return new Workflow(name, given, edges, ignored);
    }

    /** The agent with this node id. */
    public AgentNode agent(String id) {
        return agents.stream().filter(a -> a.id().equals(id)).findFirst()
                .orElseThrow(() -> new BrainTrustException.NotFound("no agent node '" + id + "'"));
    }
}
