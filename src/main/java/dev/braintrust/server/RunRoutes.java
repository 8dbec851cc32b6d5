package dev.braintrust.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.braintrust.BrainTrustException;
import dev.braintrust.journal.RunRecord;
import dev.braintrust.journal.RunSummary;
import dev.braintrust.workflow.AgentChat;
import dev.braintrust.workflow.RunHandle;
import dev.braintrust.workflow.RunRequest;
import dev.braintrust.workflow.RunService;
import dev.braintrust.workflow.SavedWorkflow;
import dev.braintrust.workflow.Workflow;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.sse.SseClient;
import io.javalin.http.sse.SseHandler;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Agents and workflows over HTTP (ARCHITECTURE.md §6), thin adapters over {@link RunService}:
 * <ul>
 *   <li>{@code POST /api/v1/run-workflow} — runs and answers when done, with the original UI's fields
 *       {@code status, result, final_output, agent_count, task_count, duration} plus {@code runId},
 *       {@code revision}, {@code runStatus}, {@code error}; 200 when the run succeeded, 500 with the same body when it
 *       failed, was cancelled or timed out (as the original answered). The body is the workflow graph itself (what the
 *       original UI posted), or {@code {"workflow": <graph> | "<saved name>", "dryRun": true}}; with
 *       {@code dryRun} the answer is every agent's exact system prompt and task, and no model is called.</li>
 *   <li>{@code POST /api/v1/runs} — the same body; starts the run and answers 202 with its id.</li>
 *   <li>{@code GET /api/v1/runs?limit=&offset=} (newest first), {@code GET /api/v1/runs/{id}} (with steps),
 *       {@code DELETE /api/v1/runs/{id}} (cancel), {@code GET /api/v1/runs/{id}/events} (Server-Sent Events:
 *       run-started, node-started, tool-call, node-finished, done; replayed from the start).</li>
 *   <li>{@code POST /api/v1/runs/{id}/replay[?revision=current]} — runs the run's workflow again, as a new run (202), on the
 *       context of the revision it recorded (409 when that revision is no longer in the history) or on today's;
 *       {@code GET /api/v1/runs/{id}/replays} — what it replays and its replays.</li>
 *   <li>{@code GET /api/v1/workflows}, {@code POST /api/v1/workflows/{name}/run} (synchronous, like run-workflow).</li>
 *   <li>{@code POST /api/v1/chat} {@code {"message", "agent_config", "context"?}} → {@code {"response", ...}}.</li>
 * </ul>
 */
final class RunRoutes implements Routes, AutoCloseable {
    static final int DEFAULT_LIMIT = 50;
    static final String EVENT_STREAM = "text/event-stream";
    /** An SSE comment this often keeps a quiet stream (an agent thinking for minutes) from idling out. */
    private final long heartbeatMs;

    /** Event streams open at once, each with its writer thread; more are answered 503. */
    static final int MAX_STREAMS = 64;

    private final Supplier<RunService> runs;
    private final JsonBodies bodies;
    private final ObjectMapper mapper;
    private final Set<EventStream> streams = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /** The original UI's answer to run-workflow, plus the run's id, context revision, precise status and error. */
    record RunWorkflowResponse(String status, String result, String final_output, int agent_count, int task_count,
                               double duration, String runId, String revision, String runStatus, String error) {
        static RunWorkflowResponse of(RunRecord run) {
            String output = run.finalOutput() == null ? "" : run.finalOutput();
            return new RunWorkflowResponse(run.succeeded() ? "success" : "error", output, output, run.agentCount(),
                    run.agentCount(), run.durationMs() == null ? 0 : run.durationMs() / 1000.0, run.id(), run.revision(),
                    run.status().label(), run.error());
        }
    }

    record Started(String runId, String status, String revision, String run, String events) {
    }

    /** The answer to a replay: the new run, the run it replays, and on which context ({@code recorded} or {@code current}). */
    record Replayed(String runId, String status, String revision, String replayOf, String basis, String run, String events) {
    }

    record RunList(List<RunSummary> runs, int limit, int offset) {
    }

    record WorkflowView(String name, String title, boolean usable, String problem, Integer agents) {
    }

    record WorkflowList(List<WorkflowView> workflows) {
    }

    /** @param heartbeat how often an open event stream sends a comment, so that proxies keep it open */
    RunRoutes(Supplier<RunService> runs, JsonBodies bodies, ObjectMapper mapper, java.time.Duration heartbeat) {
        this.heartbeatMs = heartbeat.toMillis();
        this.runs = runs;
        this.bodies = bodies;
        this.mapper = mapper;
    }

    @Override
    public void addTo(RoutesConfig routes) {
        routes.post("/api/v1/run-workflow", ctx -> runAndAnswer(ctx, runs.get().parseRunRequest(bodies.read(ctx))));
        routes.post("/api/v1/workflows/{name}/run", ctx -> {
            JsonNode body = bodies.read(ctx);
            boolean dryRun = body != null && body.path("dryRun").asBoolean(false);
            runAndAnswer(ctx, new RunRequest(runs.get().loadSaved(ctx.pathParam("name")), dryRun));
        });
        routes.post("/api/v1/runs", ctx -> {
            RunRequest request = runs.get().parseRunRequest(bodies.read(ctx));
            if (request.dryRun()) {
                ctx.json(runs.get().dryRun(request.workflow()));
                return;
            }
            RunHandle handle = runs.get().start(request.workflow(), "api", null);
            String self = "/api/v1/runs/" + handle.id();
            ctx.status(202).header("Location", self)
                    .json(new Started(handle.id(), "running", handle.revision(), self, self + "/events"));
        });
        routes.get("/api/v1/runs", ctx -> {
            int limit = QueryParams.intParam(ctx, "limit", DEFAULT_LIMIT, 1, dev.braintrust.journal.RunStore.MAX_LIST);
            int offset = QueryParams.intParam(ctx, "offset", 0, 0, Integer.MAX_VALUE);
            ctx.json(new RunList(runs.get().list(limit, offset), limit, offset));
        });
        routes.get("/api/v1/runs/{id}", ctx -> ctx.json(runs.get().get(ctx.pathParam("id"))));
        routes.delete("/api/v1/runs/{id}", ctx -> ctx.json(runs.get().cancel(ctx.pathParam("id"))));
        routes.get("/api/v1/runs/{id}/events", ctx -> {
            String id = ctx.pathParam("id");
            runs.get().get(id); // 404 before the stream starts
            String accept = ctx.header("Accept");
            if (accept == null || !accept.contains(EVENT_STREAM)) {
                throw new HttpResponseException(406, "this is a Server-Sent Events stream: send 'Accept: " + EVENT_STREAM
                        + "' (EventSource does; with curl add -H 'Accept: " + EVENT_STREAM + "' -N)");
            }
            if (closed) {
                throw new BrainTrustException.Unavailable("the server is stopping; follow the run on its next start");
            }
            if (streams.size() >= MAX_STREAMS) {
                ctx.header("Retry-After", "10");
                throw new BrainTrustException.Unavailable("too many event streams are open (" + MAX_STREAMS + "); "
                        + "close one, or poll GET /api/v1/runs/" + id);
            }
            new SseHandler(client -> follow(client, id)).handle(ctx);
        });
        routes.post("/api/v1/runs/{id}/replay", ctx -> {
            String basis = ctx.queryParam("revision");
            if (basis != null && !basis.isBlank() && !basis.equals("current") && !basis.equals("recorded")) {
                throw new BrainTrustException.BadInput("?revision= takes 'current' (today's context) or 'recorded' (the run's, "
                        + "the default), not '" + basis + "'");
            }
            boolean onToday = "current".equals(basis);
            String original = ctx.pathParam("id");
            RunHandle handle = runs.get().replay(original, onToday, null);
            String self = "/api/v1/runs/" + handle.id();
            ctx.status(202).header("Location", self).json(new Replayed(handle.id(), "running", handle.revision(), original,
                    onToday ? "current" : "recorded", self, self + "/events"));
        });
        routes.get("/api/v1/runs/{id}/replays", ctx -> ctx.json(runs.get().replays(ctx.pathParam("id"))));
        routes.get("/api/v1/workflows", ctx -> ctx.json(new WorkflowList(runs.get().savedWorkflows().stream()
                .map(this::view).toList())));
        routes.post("/api/v1/chat", ctx -> ctx.json(runs.get().chat(AgentChat.fromJson(bodies.read(ctx)))));
    }

    private void runAndAnswer(Context ctx, RunRequest request) {
        if (request.dryRun()) {
            ctx.json(runs.get().dryRun(request.workflow()));
            return;
        }
        RunRecord run = runs.get().run(request.workflow(), "api", null);
        // The original answered 500 when a run failed, and its clients look only at the status code.
        ctx.status(run.succeeded() ? 200 : 500).json(RunWorkflowResponse.of(run));
    }

    /**
     * Streams the run's events (past ones first) until its done event, or until the client goes
     * away. The run only queues events for the stream (see {@link EventStream}); the socket is written
     * by the stream's own thread.
     */
    private void follow(SseClient client, String id) {
        client.keepAlive();
        EventStream stream = new EventStream(client, id, mapper, heartbeatMs, streams::remove);
        streams.add(stream);
        client.onClose(stream::end);
        AutoCloseable subscription;
        try {
            subscription = runs.get().subscribe(id, stream::offer);
        } catch (RuntimeException e) {
            streams.remove(stream);
            client.close();
            throw e;
        }
        stream.start(subscription);
    }

    private WorkflowView view(SavedWorkflow saved) {
        if (!saved.usable()) {
            return new WorkflowView(saved.name(), saved.title(), false, saved.problem(), null);
        }
        try {
            Workflow w = runs.get().loadSaved(saved.name());
            return new WorkflowView(saved.name(), w.name(), true, null, w.agents().size());
        } catch (BrainTrustException e) {
            return new WorkflowView(saved.name(), saved.title(), false, e.getMessage(), null);
        }
    }

    /** Open event streams (for tests and the shutdown). */
    int openStreams() {
        return streams.size();
    }

    /**
     * Ends every event stream: those whose run has ended get to send its done event first (up to
     * {@code graceMillis} in all), the others are closed. New streams are refused from now on.
     */
    void endStreams(long graceMillis) {
        closed = true;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(graceMillis);
        for (EventStream stream : List.copyOf(streams)) {
            try {
                if (!stream.awaitEnd(TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()))) {
                    stream.end();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stream.end();
            }
        }
    }

    /** Ends the event streams at once (the server has stopped). */
    @Override
    public void close() {
        closed = true;
        List.copyOf(streams).forEach(EventStream::end);
    }
}
