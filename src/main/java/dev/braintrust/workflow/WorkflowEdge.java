package dev.braintrust.workflow;

/** A React Flow edge: the target agent runs after the source agent and receives its output. */
public record WorkflowEdge(String source, String target) {
}
