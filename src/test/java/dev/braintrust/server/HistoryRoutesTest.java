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

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Local mode's history over real HTTP: the watcher records versions; list, diff, files, context at a revision, restore, replay. */
class HistoryRoutesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "test-api-key-456";
    static final String ONE_AGENT = """
            {"name": "Brief", "nodes": [
              {"id": "a", "type": "agentNode",
               "data": {"name": "Analyst", "role": "Analyst", "goal": "Summarise my mission", "backstory": "You are terse."}}],
             "edges": []}
            """;

    @TempDir
    Path dir;
    private final LlmStandIn llm = new LlmStandIn();
    private TestServer server;
    private Path home;

    @BeforeEach
    void start() {
        home = TestHome.create(dir.resolve("home"));
        TestHome.noSkills(home);
        server = TestServer.start(home, TestHome.env(home, llm, Map.of("BRAIN_TRUST_API_KEY", KEY,
                "BRAIN_TRUST_HISTORY_QUIET", "200ms")));
        server.brainTrust.watchForChanges();
    }

    @AfterEach
    void stop() {
        server.close();
        llm.close();
    }

    private JsonNode get(String path) throws Exception {
        HttpResponse<String> r = server.get(path, "X-API-Key", KEY);
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return server.post(path, body, "X-API-Key", KEY);
    }

    private List<JsonNode> versions() throws Exception {
        List<JsonNode> list = new java.util.ArrayList<>();
        get("/api/v1/history").path("versions").forEach(list::add);
        return list;
    }

    private void waitForVersions(int n) {
        Poll.until(Duration.ofSeconds(10), n + " versions", () -> {
            try {
                return versions().size() >= n;
            } catch (Exception e) {
                return false;
            }
        });
    }

    @Test
    void edits_become_versions_that_can_be_listed_compared_read_and_restored() throws Exception {
        waitForVersions(1); // the state at start
        Files.writeString(home.resolve("context/MISSION.md"), "A sharper mission.\n");
        waitForVersions(2);
        Files.writeString(home.resolve("context/GOALS.md"), "Ship chapter four.\n");
        waitForVersions(3);

        JsonNode page = get("/api/v1/history");
        assertThat(page.path("goBack").asText()).isEqualTo("restore");
        JsonNode newest = page.path("versions").get(0);
        JsonNode missionEdit = page.path("versions").get(1);
        JsonNode first = page.path("versions").get(2);
        assertThat(newest.path("source").asText()).isEqualTo("edit");
        assertThat(newest.path("current").asBoolean()).isTrue();
        assertThat(newest.path("files").get(0).path("path").asText()).isEqualTo("context/GOALS.md");
        assertThat(missionEdit.path("files").get(0).path("additions").asInt()).isEqualTo(1);
        assertThat(missionEdit.path("files").get(0).path("deletions").asInt()).isEqualTo(1);
        assertThat(get("/api/v1/history?file=MISSION.md").path("versions")).hasSize(2);
        assertThat(get("/api/v1/history?limit=1").path("more").asBoolean()).isTrue();

        assertThat(get("/api/v1/history/" + first.path("id").asText()).path("files").toString()).contains("context/MISSION.md");
        JsonNode diff = get("/api/v1/history/diff?from=" + first.path("id").asText());
        assertThat(diff.path("to").asText()).isEqualTo("now");
        assertThat(diff.path("files")).hasSize(2);
        assertThat(diff.path("files").get(0).path("diff").asText()).contains("-" + TestHome.GOALS).contains("+Ship chapter four.");

        HttpResponse<String> old = server.get("/api/v1/context/MISSION?revision=" + first.path("id").asText().substring(0, 10),
                "X-API-Key", KEY);
        assertThat(old.statusCode()).isEqualTo(200);
        assertThat(old.body()).isEqualTo(TestHome.MISSION);
        assertThat(old.headers().firstValue("X-Context-Revision")).contains(first.path("id").asText());

        HttpResponse<String> restored = post("/api/v1/history/" + first.path("id").asText() + "/restore",
                "{\"files\": [\"MISSION.md\"]}");
        assertThat(restored.statusCode()).as(restored.body()).isEqualTo(200);
        JsonNode result = JSON.readTree(restored.body());
        assertThat(result.path("written").get(0).asText()).isEqualTo("context/MISSION.md");
        assertThat(result.path("note").asText()).contains("The text you had is kept as version " + newest.path("id").asText());
        assertThat(Files.readString(home.resolve("context/MISSION.md"))).isEqualTo(TestHome.MISSION + "\n");
        assertThat(Files.readString(home.resolve("context/GOALS.md"))).isEqualTo("Ship chapter four.\n");
        assertThat(versions().get(0).path("source").asText()).isEqualTo("restore");
    }

    @Test
    void bad_and_unknown_ids_and_paths_are_clear_errors() throws Exception {
        waitForVersions(1);
        assertThat(server.get("/api/v1/history/not-hex", "X-API-Key", KEY).statusCode()).isEqualTo(400);
        HttpResponse<String> unknown = server.get("/api/v1/history/" + "ab".repeat(20), "X-API-Key", KEY);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).contains("pruned").contains("BRAIN_TRUST_HISTORY_KEEP");
        assertThat(server.get("/api/v1/history?file=../state/brain-trust.db", "X-API-Key", KEY).statusCode()).isEqualTo(400);
        String id = versions().get(0).path("id").asText();
        assertThat(post("/api/v1/history/" + id + "/restore", "{\"files\": [\"../../etc/passwd\"]}").statusCode()).isEqualTo(400);
        assertThat(post("/api/v1/history/" + id + "/restore", "{\"files\": \"MISSION.md\"}").statusCode()).isEqualTo(400);
        HttpResponse<String> pin = post("/api/v1/sync/pin", "{\"commit\": \"" + id + "\"}");
        assertThat(pin.statusCode()).isEqualTo(409);
        assertThat(pin.body()).contains("restore");
        assertThat(server.get("/api/v1/history").statusCode()).as("the key is needed").isEqualTo(401);
    }

    @Test
    void a_replay_of_a_run_made_before_an_edit_sends_the_old_context() throws Exception {
        llm.script(call -> Reply.text("summary of: " + call.system()));
        HttpResponse<String> first = post("/api/v1/run-workflow", ONE_AGENT);
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        String runId = JSON.readTree(first.body()).path("runId").asText();
        String revision = JSON.readTree(first.body()).path("revision").asText();
        assertThat(llm.calls().get(0).system()).contains(TestHome.MISSION);

        Files.writeString(home.resolve("context/MISSION.md"), "An entirely new mission, written after the run.\n");
        Poll.until(Duration.ofSeconds(10), "the edit seen", () -> {
            try {
                return !get("/api/v1/context").path("revision").asText().equals(revision);
            } catch (Exception e) {
                return false;
            }
        });

        HttpResponse<String> replay = post("/api/v1/runs/" + runId + "/replay", "");
        assertThat(replay.statusCode()).as(replay.body()).isEqualTo(202);
        JsonNode started = JSON.readTree(replay.body());
        assertThat(started.path("replayOf").asText()).isEqualTo(runId);
        assertThat(started.path("basis").asText()).isEqualTo("recorded");
        assertThat(started.path("revision").asText()).isEqualTo(revision);
        String replayId = started.path("runId").asText();
        waitForRun(replayId);
        LlmStandIn.Call replayCall = llm.calls().get(1);
        assertThat(replayCall.system()).contains(TestHome.MISSION).doesNotContain("An entirely new mission");
        assertThat(replayCall.system()).isEqualTo(llm.calls().get(0).system());

        HttpResponse<String> today = post("/api/v1/runs/" + runId + "/replay?revision=current", "");
        assertThat(today.statusCode()).isEqualTo(202);
        waitForRun(JSON.readTree(today.body()).path("runId").asText());
        assertThat(llm.calls().get(2).system()).contains("An entirely new mission").doesNotContain(TestHome.MISSION);

        JsonNode replays = get("/api/v1/runs/" + runId + "/replays");
        assertThat(replays.path("replays")).hasSize(2);
        assertThat(replays.path("replays").get(0).path("basis").asText()).isEqualTo("recorded");
        assertThat(replays.path("replays").get(1).path("basis").asText()).isEqualTo("current");
        assertThat(get("/api/v1/runs/" + replayId + "/replays").path("replayOf").path("replayOf").asText()).isEqualTo(runId);
        assertThat(get("/api/v1/runs/" + replayId).path("source").asText()).isEqualTo("replay");

        assertThat(post("/api/v1/runs/20260101-000000-abcdef/replay", "").statusCode()).isEqualTo(404);
        assertThat(post("/api/v1/runs/" + runId + "/replay?revision=yesterday", "").statusCode()).isEqualTo(400);
    }

    private void waitForRun(String id) {
        Poll.until(Duration.ofSeconds(20), "run " + id + " finished", () -> {
            try {
                String status = get("/api/v1/runs/" + id).path("status").asText();
                return !status.equals("running");
            } catch (Exception e) {
                return false;
            }
        });
    }

    @Test
    void a_replay_whose_revision_is_not_in_the_history_is_a_conflict_never_todays_context() throws Exception {
        llm.script(call -> Reply.text("ok"));
        HttpResponse<String> first = post("/api/v1/run-workflow", ONE_AGENT);
        String runId = JSON.readTree(first.body()).path("runId").asText();
        server.close();
        try (var files = Files.walk(home.resolve("state/history"))) { // the history is lost
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
        Files.writeString(home.resolve("context/MISSION.md"), "Today's mission.\n");
        server = TestServer.start(home, TestHome.env(home, llm, Map.of("BRAIN_TRUST_API_KEY", KEY)));
        int calls = llm.requestCount();
        HttpResponse<String> replay = post("/api/v1/runs/" + runId + "/replay", "");
        assertThat(replay.statusCode()).isEqualTo(409);
        assertThat(replay.body()).contains("not in the history").contains("revision=current");
        assertThat(llm.requestCount()).isEqualTo(calls);
    }
}
