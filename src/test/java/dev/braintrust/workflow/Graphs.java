package dev.braintrust.workflow;

import dev.braintrust.testing.LlmStandIn;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Small workflows for tests: agent "x" is named "X", its goal is "do x", and the stand-in answers "out:x". */
final class Graphs {
    private Graphs() {
    }

    /** @param edges "a>b" strings */
    static Workflow of(String name, List<String> ids, String... edges) {
        List<AgentNode> agents = ids.stream().map(id -> new AgentNode(id, id.toUpperCase(Locale.ROOT), "Role " + id,
                "do " + id, "You are agent " + id + ".", null, null)).toList();
        List<WorkflowEdge> list = new ArrayList<>();
        for (String e : edges) {
            String[] parts = e.split(">");
            list.add(new WorkflowEdge(parts[0], parts[1]));
        }
        return new Workflow(name, agents, list, Map.of());
    }

    /** The node id whose task this is ("do x" on its first line). */
    static String agentOf(LlmStandIn.Call call) {
        String first = call.task().lines().findFirst().orElse("");
        return first.startsWith("do ") ? first.substring(3) : first;
    }

    static LlmStandIn.Reply echo(LlmStandIn.Call call) {
        return LlmStandIn.Reply.text("out:" + agentOf(call));
    }
}
