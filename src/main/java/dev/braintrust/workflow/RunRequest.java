package dev.braintrust.workflow;

/**
 * What {@code POST /api/v1/run-workflow} and {@code POST /api/v1/runs} were asked to run.
 *
 * @param dryRun validate and show the prompts and tasks, call no model
 */
public record RunRequest(Workflow workflow, boolean dryRun) {
}
