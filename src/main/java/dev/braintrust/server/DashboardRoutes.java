package dev.braintrust.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.braintrust.BrainTrustException;
import dev.braintrust.context.ContextService;
import dev.braintrust.context.ContextSelection;
import dev.braintrust.context.ContextSnapshot;
import dev.braintrust.context.Privacy;
import dev.braintrust.context.PromptComposer;
import dev.braintrust.workflow.SavedWorkflow;
import dev.braintrust.workflow.WorkflowLibrary;
import io.javalin.config.RoutesConfig;
import io.javalin.http.HttpResponseException;

/**
 * What the dashboard needs beyond the routes of ARCHITECTURE.md §6, as thin adapters over the services:
 * <ul>
 *   <li>{@code GET /api/v1/prompt?instructions=...&role=...&goal=...} — the system prompt an agent with these
 *       instructions (backstory), role and goal receives now: {@code {"revision","prompt"}} (what {@code brain-trust context --prompt} prints).</li>
 *   <li>{@code GET /api/v1/workflows/{name}} — a saved workflow's JSON, as in its file.</li>
 *   <li>{@code PUT /api/v1/workflows/{name}} — saves a workflow to {@code workflows/<name>.json} (local mode
 *       only: in cloud mode the git repository is the source of truth and the answer is 409, saying so).</li>
 * </ul>
 */
final class DashboardRoutes implements Routes {
    /** Longest agent instructions the prompt preview accepts (they travel in the URL). */
    static final int MAX_INSTRUCTIONS = 4000;

    private final ContextService context;
    private final WorkflowLibrary workflows;
    private final boolean cloudMode;
    private final JsonBodies bodies;
    private final WorkflowCheck check;

    record Prompt(String revision, String prompt) {
    }

    record Saved(String name, String title, String file, boolean usable, String problem) {
        static Saved of(SavedWorkflow w) {
            return new Saved(w.name(), w.title(), "workflows/" + w.file().getFileName(), w.usable(), w.problem());
        }
    }

    /** Refuses a workflow that could not run (throws {@link BrainTrustException.BadInput} naming the culprit). */
    @FunctionalInterface
    interface WorkflowCheck {
        void validate(JsonNode workflow);
    }

    DashboardRoutes(ContextService context, WorkflowLibrary workflows, boolean cloudMode, JsonBodies bodies, WorkflowCheck check) {
        this.context = context;
        this.workflows = workflows;
        this.cloudMode = cloudMode;
        this.bodies = bodies;
        this.check = check;
    }

    @Override
    public void addTo(RoutesConfig routes) {
        routes.get("/api/v1/prompt", ctx -> {
            String instructions = boundedParam(ctx, "instructions");
            PromptComposer.Agent agent = new PromptComposer.Agent(boundedParam(ctx, "role"), instructions, boundedParam(ctx, "goal"));
            ContextSnapshot snapshot = context.snapshot();
            // as a cloud model receives it: local files withheld, never files left out
            ContextSnapshot sent = ContextSelection.of(snapshot, Privacy.PUBLIC).snapshot();
            ctx.json(new Prompt(snapshot.revision(), PromptComposer.compose(sent, agent)));
        });
        routes.get("/api/v1/workflows/{name}", ctx -> ctx.json(workflows.read(ctx.pathParam("name"))));
        routes.put("/api/v1/workflows/{name}", ctx -> {
            String name = ctx.pathParam("name");
            JsonNode workflow = bodies.read(ctx); // read (bounded) before any refusal, so the connection stays usable
            workflows.fileFor(name); // 400 for a name that could not be a file in workflows/
            if (cloudMode) {
                throw new HttpResponseException(409, "this server is in cloud mode: the git repository is the source of truth "
                        + "and its files here are a read-only mirror. Commit workflows/" + name.replaceFirst("\\.json$", "")
                        + ".json to the repository and push; the next sync brings it here");
            }
            if (workflow == null || !workflow.isObject()) {
                throw new BrainTrustException.BadInput("the body must be the workflow: a JSON object with \"nodes\" and \"edges\"");
            }
            check.validate(workflow);
            ctx.json(Saved.of(workflows.save(name, workflow)));
        });
    }

    private static String boundedParam(io.javalin.http.Context ctx, String name) {
        String value = ctx.queryParam(name);
        if (value != null && value.length() > MAX_INSTRUCTIONS) {
            throw new BrainTrustException.BadInput("'" + name + "' is limited to " + MAX_INSTRUCTIONS + " characters here");
        }
        return value;
    }
}
