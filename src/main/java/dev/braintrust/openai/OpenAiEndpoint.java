package dev.braintrust.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.braintrust.BrainTrust;
import dev.braintrust.BrainTrustException;
import dev.braintrust.Json;
import dev.braintrust.server.Routes;
import dev.braintrust.workflow.SavedWorkflow;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Brain Trust as a model, for every tool with an "OpenAI-compatible" setting (Open WebUI, LibreChat,
 * editors): {@code GET /v1/models} ({@code brain-trust} and {@code workflow/<name>} per saved workflow),
 * {@code GET /v1/models/<id>}, and {@code POST /v1/chat/completions}, plain or streamed as Server-Sent
 * Events the way OpenAI streams them. The API key comes as {@code Authorization: Bearer}, like OpenAI's
 * (the server's gatekeeper checks it); errors have OpenAI's shape.
 *
 * <p>A stream starts with a chunk whose {@code delta.role} is {@code assistant}, as soon as the run has
 * started; every chunk has the completion's {@code id} and {@code object: chat.completion.chunk}; the
 * answer follows when the run has finished (Brain Trust does not relay the provider's tokens one by
 * one), then a chunk with {@code finish_reason}, a usage-only chunk when {@code stream_options.include_usage}
 * is set, and {@code data: [DONE]}. While a long run goes on, an SSE comment every
 * {@link #KEEP_ALIVE} keeps proxies from closing the stream. A client that goes away does not cancel
 * the run: it finishes and stays in the history.
 */
public final class OpenAiEndpoint implements Routes {
    static final Duration KEEP_ALIVE = dev.braintrust.Config.DEFAULT_COMPLETION_KEEP_ALIVE;
    static final String OWNER = "brain-trust";

    private final BrainTrust bt;
    private final Completions completions;
    private final ObjectMapper mapper = Json.mapper();
    private final long startedAt = Instant.now().getEpochSecond();

    public OpenAiEndpoint(BrainTrust bt) {
        this.bt = bt;
        this.completions = new Completions(bt);
    }

    @Override
    public void addTo(RoutesConfig routes) {
        routes.get("/v1/models", ctx -> ctx.json(models()));
        routes.get("/v1/models/<model>", ctx -> ctx.json(model(ctx.pathParam("model"))));
        routes.post("/v1/chat/completions", this::complete);
    }

    private ObjectNode models() {
        ObjectNode list = mapper.createObjectNode().put("object", "list");
        ArrayNode data = list.putArray("data");
        data.add(modelEntry(Completions.AGENT_MODEL, startedAt));
        for (SavedWorkflow saved : bt.workflows().list()) {
            if (saved.usable()) {
                data.add(modelEntry(Completions.WORKFLOW_PREFIX + saved.name(), modified(saved)));
            }
        }
        return list;
    }

    private ObjectNode model(String id) {
        for (JsonNode entry : models().get("data")) {
            if (entry.get("id").asText().equals(id)) {
                return (ObjectNode) entry;
            }
        }
        throw new BrainTrustException.NotFound("the model '" + id + "' does not exist; GET /v1/models lists the models");
    }

    private ObjectNode modelEntry(String id, long created) {
        return mapper.createObjectNode().put("id", id).put("object", "model").put("created", created).put("owned_by", OWNER);
    }

    private static long modified(SavedWorkflow saved) {
        try {
            return Files.getLastModifiedTime(saved.file()).toInstant().getEpochSecond();
        } catch (IOException e) {
            return 0;
        }
    }

    // ---- chat completions --------------------------------------------------------------------

    private void complete(Context ctx) throws Exception {
        ChatRequest request = ChatRequest.parse(body(ctx));
        Completions.Pending pending = completions.start(request);
        long created = Instant.now().getEpochSecond();
        if (pending.runId() != null) {
            ctx.header("X-Brain-Trust-Run", pending.runId());
        }
        if (pending.revision() != null) {
            ctx.header("X-Context-Revision", pending.revision());
        }
        if (request.stream()) {
            stream(ctx, request, pending, created);
            return;
        }
        Completions.Answer answer = waitFor(pending);
        if (answer.failed()) {
            // not worth retrying the same run: OpenAI's libraries honour this header
            ctx.header("x-should-retry", "false");
            throw new HttpResponseException(500, answer.error());
        }
        ObjectNode body = completion(pending, created);
        ObjectNode choice = body.putArray("choices").addObject();
        choice.put("index", 0);
        choice.putObject("message").put("role", "assistant").put("content", answer.text()).putNull("refusal");
        choice.putNull("logprobs");
        choice.put("finish_reason", "stop");
        body.set("usage", usage(answer));
        body.set("brain_trust", extra(pending, answer));
        ctx.json(body);
    }

    private JsonNode body(Context ctx) {
        byte[] bytes = ctx.bodyAsBytes();
        if (bytes.length == 0) {
            throw new BrainTrustException.BadInput("the body is empty; send {\"model\", \"messages\"}");
        }
        try {
            return mapper.readTree(bytes);
        } catch (IOException e) {
            throw new BrainTrustException.BadInput("the request body is not valid JSON");
        }
    }

    private static Completions.Answer waitFor(Completions.Pending pending) throws InterruptedException {
        try {
            return pending.answer().get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("a run's result never fails", e.getCause());
        }
    }

    private void stream(Context ctx, ChatRequest request, Completions.Pending pending, long created) throws Exception {
        ctx.status(200);
        ctx.res().setContentType("text/event-stream; charset=utf-8");
        ctx.res().setHeader("Cache-Control", "no-cache");
        ctx.res().setHeader("X-Accel-Buffering", "no");
        OutputStream out = ctx.res().getOutputStream();
        try {
            boolean usage = request.includeUsage();
            send(out, chunk(pending, created, usage, mapper.createObjectNode().put("role", "assistant").put("content", ""), null));
            Completions.Answer answer = waitWithKeepAlive(pending, out);
            if (answer.failed()) {
                send(out, mapper.createObjectNode().set("error", mapper.createObjectNode().put("message", answer.error())
                        .put("type", "server_error").put("code", "run_failed")).toString());
                return;
            }
            if (!answer.text().isEmpty()) {
                send(out, chunk(pending, created, usage, mapper.createObjectNode().put("content", answer.text()), null));
            }
            send(out, chunk(pending, created, usage, mapper.createObjectNode(), "stop"));
            if (usage) {
                ObjectNode last = header(pending, "chat.completion.chunk", created);
                last.putArray("choices");
                last.set("usage", usage(answer));
                send(out, last.toString());
            }
            out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            // the client went away; the run goes on and stays in the history
        }
    }

    /** Waits for the answer, sending an SSE comment every {@link #KEEP_ALIVE}; IOException when the client is gone. */
    private static Completions.Answer waitWithKeepAlive(Completions.Pending pending, OutputStream out)
            throws IOException, InterruptedException {
        while (true) {
            try {
                return pending.answer().get(KEEP_ALIVE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                out.write(": still running\n\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
            } catch (ExecutionException e) {
                throw new IllegalStateException("a run's result never fails", e.getCause());
            }
        }
    }

    private static void send(OutputStream out, String json) throws IOException {
        out.write(("data: " + json + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private ObjectNode completion(Completions.Pending pending, long created) {
        return header(pending, "chat.completion", created);
    }

    private ObjectNode header(Completions.Pending pending, String object, long created) {
        return mapper.createObjectNode().put("id", pending.id()).put("object", object).put("created", created)
                .put("model", pending.model()).put("system_fingerprint", fingerprint(pending));
    }

    /** One chunk of a stream: one choice with this delta; {@code usage: null} when usage is asked for, as OpenAI sends it. */
    private String chunk(Completions.Pending pending, long created, boolean usageNull, ObjectNode delta, String finishReason) {
        ObjectNode chunk = header(pending, "chat.completion.chunk", created);
        ObjectNode choice = chunk.putArray("choices").addObject();
        choice.put("index", 0);
        choice.set("delta", delta);
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason);
        if (usageNull) {
            chunk.putNull("usage");
        }
        return chunk.toString();
    }

    private static String fingerprint(Completions.Pending pending) {
        return pending.revision() == null ? OWNER : "rev-" + pending.revision();
    }

    private ObjectNode usage(Completions.Answer answer) {
        return mapper.createObjectNode().put("prompt_tokens", answer.promptTokens())
                .put("completion_tokens", answer.completionTokens())
                .put("total_tokens", answer.promptTokens() + answer.completionTokens());
    }

    private ObjectNode extra(Completions.Pending pending, Completions.Answer answer) {
        ObjectNode extra = mapper.createObjectNode();
        extra.put("runId", pending.runId());
        extra.put("revision", pending.revision());
        extra.put("runStatus", answer.runStatus());
        return extra;
    }
}
