package dev.braintrust.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.braintrust.testing.LlmStandIn;
import dev.braintrust.testing.LlmStandIn.Reply;
import dev.braintrust.testing.Poll;
import dev.braintrust.testing.TestHome;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The run and chat routes over real HTTP, against a server on a free port and the LLM stand-in. */
class RunRoutesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "test-api-key-123";
    private static final String PAIR = """
            {"nodes": [
              {"id": "w", "type": "agentNode", "position": {"x": 0, "y": 0},
               "data": {"name": "Writer", "role": "Poet", "goal": "Write a haiku", "backstory": "You write haiku."}},
              {"id": "e", "type": "agentNode", "position": {"x": 300, "y": 0},
               "data": {"name": "Editor", "role": "Editor", "goal": "Polish it", "backstory": "You edit."}}],
             "edges": [{"id": "e1", "source": "w", "target": "e"}]}
            """;

    @TempDir
    Path dir;
    private final LlmStandIn llm = new LlmStandIn();
    private TestServer server;

    @BeforeEach
    void start() {
        Path home = TestHome.create(dir.resolve("home"));
        TestHome.noSkills(home);
        server = TestServer.start(home, TestHome.env(home, llm, Map.of("BRAIN_TRUST_API_KEY", KEY)));
    }

    @AfterEach
    void stop() {
        server.close();
        llm.close();
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return server.post(path, body, "X-API-Key", KEY);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return server.get(path, "X-API-Key", KEY);
    }

    private static JsonNode json(HttpResponse<String> response) throws Exception {
        return JSON.readTree(response.body());
    }

    @Test
    void run_workflow_answers_with_the_original_fields_plus_run_id_and_revision() throws Exception {
        llm.script(call -> Reply.text(call.taskContains("Polish") ? "Polished haiku" : "Rough haiku"));
        HttpResponse<String> response = post("/api/v1/run-workflow", PAIR);
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = json(response);
        assertThat(body.get("status").asText()).isEqualTo("success");
        assertThat(body.get("result").asText()).isEqualTo("Polished haiku");
        assertThat(body.get("final_output").asText()).isEqualTo("Polished haiku");
        assertThat(body.get("agent_count").asInt()).isEqualTo(2);
        assertThat(body.get("task_count").asInt()).isEqualTo(2);
        assertThat(body.get("duration").isNumber()).isTrue();
        assertThat(body.get("revision").asText()).isEqualTo(server.brainTrust.context().snapshot().revision());
        String runId = body.get("runId").asText();

        JsonNode run = json(get("/api/v1/runs/" + runId));
        assertThat(run.get("status").asText()).isEqualTo("succeeded");
        assertThat(run.get("source").asText()).isEqualTo("api");
        assertThat(run.get("steps")).hasSize(2);
        JsonNode editor = run.get("steps").get(1);
        assertThat(editor.get("agent").asText()).isEqualTo("Editor");
        assertThat(editor.get("systemPrompt").asText()).contains(TestHome.MISSION)
                .endsWith("# AGENT INSTRUCTIONS\nYou are Editor.\nYou edit.\nYour personal goal is: Polish it\n");
        assertThat(editor.get("task").asText()).contains("## Writer\nRough haiku");
        assertThat(editor.get("revision").asText()).isEqualTo(body.get("revision").asText());

        JsonNode list = json(get("/api/v1/runs?limit=5"));
        assertThat(list.get("runs").get(0).get("id").asText()).isEqualTo(runId);
        assertThat(list.get("runs").get(0).get("outputExcerpt").asText()).isEqualTo("Polished haiku");
    }

    @Test
    void a_failed_run_answers_500_with_the_same_body_and_a_bad_workflow_is_a_400_before_any_model_call() throws Exception {
        llm.script(call -> Reply.error(400, "{\"error\":{\"message\":\"refused\"}}"));
        HttpResponse<String> failedResponse = post("/api/v1/run-workflow", PAIR);
        assertThat(failedResponse.statusCode()).as("the original answered 500, and its scripts check only that").isEqualTo(500);
        JsonNode failed = json(failedResponse);
        assertThat(failed.get("status").asText()).isEqualTo("error");
        assertThat(failed.get("agent_count").asInt()).isEqualTo(2);
        assertThat(failed.get("runId").asText()).isNotBlank();
        assertThat(failed.get("runStatus").asText()).isEqualTo("failed");
        assertThat(failed.get("error").asText()).contains("Writer").contains("refused");
        int calls = llm.requestCount();

        HttpResponse<String> cyclic = post("/api/v1/run-workflow", PAIR.replace("\"edges\": [",
                "\"edges\": [{\"source\": \"e\", \"target\": \"w\"}, "));
        assertThat(cyclic.statusCode()).isEqualTo(400);
        assertThat(json(cyclic).get("detail").asText()).contains("cycle: 'Writer' (node w) → 'Editor' (node e) → 'Writer' (node w)");
        assertThat(post("/api/v1/run-workflow", "{\"nodes\": []}").statusCode()).isEqualTo(400);
        assertThat(post("/api/v1/run-workflow", "[1, 2]").statusCode()).isEqualTo(400);
        assertThat(post("/api/v1/run-workflow", "{\"workflow\": \"../secrets\"}").statusCode()).isEqualTo(400);
        assertThat(post("/api/v1/run-workflow", "{\"workflow\": \"nope\"}").statusCode()).isEqualTo(404);
        assertThat(llm.requestCount()).isEqualTo(calls);
    }

    @Test
    void a_dry_run_returns_every_prompt_and_task_and_calls_nothing() throws Exception {
        JsonNode dry = json(post("/api/v1/run-workflow", "{\"dryRun\": true, \"workflow\": " + PAIR + "}"));
        assertThat(dry.get("ready").asBoolean()).isTrue();
        assertThat(dry.get("agents")).hasSize(2);
        assertThat(dry.get("agents").get(1).get("task").asText())
                .isEqualTo("Polish it\n\n---\n\n# OUTPUTS OF EARLIER AGENTS\n\n## Writer\n<the output of Writer>\n");
        assertThat(dry.get("agents").get(0).get("systemPrompt").asText()).startsWith("# USER CONTEXT (TELOS LAYER)");
        assertThat(llm.requestCount()).isZero();
        assertThat(json(get("/api/v1/runs")).get("runs")).isEmpty();
    }

    @Test
    void a_run_that_times_out_answers_500_while_runs_still_answers_202_and_a_refused_workflow_400() throws Exception {
        Path home = TestHome.create(dir.resolve("slow-home"));
        TestHome.noSkills(home);
        llm.script(call -> Reply.text("late").after(10_000));
        try (TestServer slow = TestServer.start(home, TestHome.env(home, llm, Map.of("BRAIN_TRUST_RUN_TIMEOUT", "300ms")))) {
            HttpResponse<String> timedOut = slow.post("/api/v1/run-workflow", PAIR);
            assertThat(timedOut.statusCode()).isEqualTo(500);
            assertThat(json(timedOut).get("status").asText()).isEqualTo("error");
            assertThat(json(timedOut).get("runStatus").asText()).isEqualTo("timed_out");
            assertThat(json(timedOut).get("error").asText()).contains("BRAIN_TRUST_RUN_TIMEOUT");

            assertThat(slow.post("/api/v1/runs", PAIR).statusCode()).isEqualTo(202);
            HttpResponse<String> unknownModel = slow.post("/api/v1/run-workflow", PAIR.replace("\"goal\": \"Polish it\"",
                    "\"goal\": \"Polish it\", \"model\": \"mystery-1\""));
            assertThat(unknownModel.statusCode()).isEqualTo(400);
        }
    }

    @Test
    void an_async_run_answers_202_streams_its_events_and_can_be_fetched_when_done() throws Exception {
        llm.script(call -> Reply.text("out").after(200));
        HttpResponse<String> started = post("/api/v1/runs", PAIR);
        assertThat(started.statusCode()).isEqualTo(202);
        String id = json(started).get("runId").asText();
        assertThat(started.headers().firstValue("Location")).contains("/api/v1/runs/" + id);

        HttpResponse<InputStream> stream = server.http.send(HttpRequest.newBuilder(server.uri("/api/v1/runs/" + id + "/events"))
                        .header("X-API-Key", KEY).header("Accept", "text/event-stream").timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(stream.statusCode()).isEqualTo(200);
        assertThat(stream.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
        List<String> events = new ArrayList<>();
        String doneData = null;
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
            String event = null;
            for (String line; (line = reader.readLine()) != null; ) {
                if (line.startsWith("event:")) {
                    event = line.substring(6).strip();
                } else if (line.startsWith("data:") && event != null) {
                    events.add(event);
                    if (event.equals("done")) {
                        doneData = line.substring(5).strip();
                    }
                }
            }
        }
        assertThat(events).containsExactly("run-started", "node-started", "node-finished", "node-started", "node-finished", "done");
        assertThat(JSON.readTree(doneData).get("status").asText()).isEqualTo("succeeded");
        assertThat(json(get("/api/v1/runs/" + id)).get("status").asText()).isEqualTo("succeeded");
        assertThat(get("/api/v1/runs/20990101-000000-abcdef/events").statusCode()).isEqualTo(404);
        HttpResponse<String> noAccept = get("/api/v1/runs/" + id + "/events");
        assertThat(noAccept.statusCode()).isEqualTo(406);
        assertThat(json(noAccept).get("detail").asText()).contains("Accept: text/event-stream");
    }

    @Test
    void delete_cancels_a_running_run() throws Exception {
        llm.script(call -> Reply.text("late").after(20_000));
        String id = json(post("/api/v1/runs", PAIR)).get("runId").asText();
        llm.awaitCalls(1, 10_000);
        HttpResponse<String> cancelled = server.send(HttpRequest.newBuilder(server.uri("/api/v1/runs/" + id)).DELETE(),
                "X-API-Key", KEY);
        assertThat(cancelled.statusCode()).isEqualTo(200);
        JsonNode run = json(cancelled);
        assertThat(run.get("status").asText()).isEqualTo("cancelled");
        assertThat(run.get("steps").get(0).get("status").asText()).isEqualTo("cancelled");
        assertThat(run.get("steps").get(1).get("status").asText()).isEqualTo("cancelled");
        assertThat(json(get("/api/v1/runs/" + id)).get("status").asText()).isEqualTo("cancelled");
        assertThat(llm.requestCount()).isEqualTo(1);
    }

    @Test
    void saved_workflows_are_listed_and_run_by_name() throws Exception {
        llm.script(call -> Reply.text("section"));
        JsonNode list = json(get("/api/v1/workflows"));
        assertThat(list.get("workflows")).anySatisfy(w -> {
            assertThat(w.get("name").asText()).isEqualTo("editorial-pipeline");
            assertThat(w.get("title").asText()).isEqualTo("Editorial pipeline");
            assertThat(w.get("agents").asInt()).isEqualTo(7);
        });
        JsonNode ran = json(post("/api/v1/workflows/research-brief/run", ""));
        assertThat(ran.get("status").asText()).isEqualTo("success");
        assertThat(ran.get("agent_count").asInt()).isEqualTo(3);
        assertThat(post("/api/v1/workflows/..%2F..%2Fetc/run", "").statusCode()).isIn(400, 404);
    }

    @Test
    void chat_answers_with_a_response() throws Exception {
        llm.script(call -> Reply.text("Hello, " + call.task()));
        HttpResponse<String> response = post("/api/v1/chat",
                "{\"message\": \"hi\", \"agent_config\": {\"name\": \"Greeter\", \"backstory\": \"You greet.\", \"model\": \"ollama:llama3.2\"}}");
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = json(response);
        assertThat(body.get("response").asText()).isEqualTo("Hello, hi");
        assertThat(body.get("agent").asText()).isEqualTo("Greeter");
        assertThat(llm.calls().get(0).wire()).isEqualTo(LlmStandIn.Wire.OLLAMA);
        assertThat(llm.calls().get(0).system()).contains(TestHome.MISSION).endsWith("You greet.\n");
        assertThat(post("/api/v1/chat", "{\"agent_config\": {}}").statusCode()).isEqualTo(400);
    }

    @Test
    void the_routes_need_the_api_key() throws Exception {
        assertThat(server.post("/api/v1/run-workflow", PAIR).statusCode()).isEqualTo(401);
        assertThat(server.get("/api/v1/runs").statusCode()).isEqualTo(401);
        assertThat(server.post("/api/v1/chat", "{\"message\":\"x\"}", "X-API-Key", "wrong").statusCode()).isEqualTo(403);
        assertThat(llm.requestCount()).isZero();
    }

    @Test
    void the_server_reports_the_run_database_in_readiness() throws Exception {
        Poll.until(Duration.ofSeconds(10), "ready", () -> {
            try {
                return server.get("/ready").statusCode() == 200;
            } catch (Exception e) {
                return false;
            }
        });
        assertThat(server.get("/ready").body()).contains("run database");
    }
}
