package dev.braintrust.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.braintrust.BrainTrust;
import dev.braintrust.Config;
import dev.braintrust.testing.LlmStandIn;
import dev.braintrust.testing.LlmStandIn.Reply;
import dev.braintrust.testing.Poll;
import dev.braintrust.testing.RemoteFixture;
import dev.braintrust.testing.TestHome;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Cloud mode's history over real HTTP: the mirror's commits, pin and unpin (with a force-push between), replay. */
class CloudHistoryTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "cloud-history-key-0123456789";

    @TempDir
    Path dir;
    RemoteFixture remote;
    BrainTrust bt;
    ApiServer server;
    final LlmStandIn llm = new LlmStandIn();
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    String first;
    String second;
    String third;

    @BeforeEach
    void setUp() {
        remote = RemoteFixture.create(dir, "main");
        first = remote.commitAndPush("Mission: first words", "context/MISSION.md", "Mission one.\n", "context/GOALS.md", "Goal one.\n",
                "context/BELIEFS.md", "Belief one.\n");
        second = remote.commitAndPush("Goals: the second", "context/GOALS.md", "Goal two.\nAnd more.\n");
        third = remote.commitAndPush("Mission: the third", "context/MISSION.md", "Mission three.\n");
    }

    @AfterEach
    void tearDown() {
        stopServer();
        remote.close();
        llm.close();
    }

    void startServer() {
        Map<String, String> env = new HashMap<>(TestHome.env(dir.resolve("home"), llm, Map.of(
                "HOME", dir.toString(), "BRAIN_TRUST_GIT_URL", remote.url(), "BRAIN_TRUST_PORT", "0",
                "BRAIN_TRUST_SYNC_INTERVAL", "0", "BRAIN_TRUST_API_KEY", KEY)));
        bt = BrainTrust.open(Config.fromEnv(env));
        server = new ApiServer(bt).start();
        bt.sync().orElseThrow().syncNow("test");
    }

    void stopServer() {
        if (server != null) {
            server.close();
            server = null;
        }
        if (bt != null) {
            bt.close();
            bt = null;
        }
    }

    HttpResponse<String> send(String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofMinutes(1)).header("X-API-Key", KEY).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    JsonNode get(String path) throws Exception {
        HttpResponse<String> r = send("GET", path, null);
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    String mission() throws Exception {
        HttpResponse<String> r = send("GET", "/api/v1/context/MISSION", null);
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }

    @Test
    void history_lists_the_mirrors_commits_with_their_messages() throws Exception {
        startServer();
        JsonNode page = get("/api/v1/history");
        assertThat(page.path("goBack").asText()).isEqualTo("pin");
        JsonNode versions = page.path("versions");
        assertThat(versions).hasSize(3);
        assertThat(versions.get(0).path("id").asText()).isEqualTo(third);
        assertThat(versions.get(0).path("source").asText()).isEqualTo("sync");
        assertThat(versions.get(0).path("message").asText()).isEqualTo("Mission: the third");
        assertThat(versions.get(0).path("author").asText()).isEqualTo("Author");
        assertThat(versions.get(0).path("current").asBoolean()).isTrue();
        assertThat(versions.get(1).path("message").asText()).isEqualTo("Goals: the second");
        JsonNode goals = versions.get(1).path("files").get(0);
        assertThat(goals.path("path").asText()).isEqualTo("context/GOALS.md");
        assertThat(goals.path("additions").asInt()).isEqualTo(2);
        assertThat(goals.path("deletions").asInt()).isEqualTo(1);
        assertThat(get("/api/v1/history?file=GOALS.md").path("versions")).hasSize(2);

        JsonNode diff = get("/api/v1/history/diff?from=" + first);
        assertThat(diff.path("toRevision").asText()).isEqualTo(third);
        assertThat(diff.path("files")).hasSize(2);
        assertThat(send("GET", "/api/v1/context/MISSION?revision=" + first.substring(0, 8), null).body()).isEqualTo("Mission one.");

        HttpResponse<String> restore = send("POST", "/api/v1/history/" + first + "/restore", "{}");
        assertThat(restore.statusCode()).isEqualTo(409);
        assertThat(restore.body()).contains("brain-trust pin " + first);
    }

    @Test
    void pin_serves_an_older_commit_until_unpinned_even_across_a_force_push_and_a_restart() throws Exception {
        startServer();
        assertThat(mission()).isEqualTo("Mission three.");

        HttpResponse<String> pin = send("POST", "/api/v1/sync/pin", "{\"commit\": \"" + second.substring(0, 10) + "\"}");
        assertThat(pin.statusCode()).as(pin.body()).isEqualTo(200);
        assertThat(JSON.readTree(pin.body()).path("commit").asText()).isEqualTo(second);
        assertThat(mission()).isEqualTo("Mission one.");
        assertThat(get("/api/v1/context").path("revision").asText()).isEqualTo(second);
        JsonNode status = get("/api/v1/status").path("sync").path("pin");
        assertThat(status.path("behind").asInt()).isEqualTo(1);
        assertThat(status.path("note").asText()).startsWith("pinned to " + second.substring(0, 12) + ", 1 commit behind main");
        JsonNode ready = get("/ready");
        assertThat(ready.path("status").asText()).isEqualTo("ready");
        assertThat(ready.path("checks").path("sync").asText()).isEqualTo("pinned");
        assertThat(ready.path("detail").asText()).contains("pinned to " + second.substring(0, 12));

        remote.commitAndPush("Mission: the fourth", "context/MISSION.md", "Mission four.\n");
        JsonNode synced = JSON.readTree(send("POST", "/api/v1/sync", null).body());
        assertThat(synced.path("status").asText()).isEqualTo("pinned");
        assertThat(mission()).isEqualTo("Mission one.");
        assertThat(get("/api/v1/status").path("sync").path("pin").path("behind").asInt()).isEqualTo(2);

        // A force-push takes the pinned commit off the branch: the pin holds, and says so.
        remote.resetTo(first);
        String rewritten = remote.commit("Mission: rewritten", "context/MISSION.md", "Mission rewritten.\n");
        remote.push(true);
        send("POST", "/api/v1/sync", null);
        assertThat(mission()).isEqualTo("Mission one.");
        JsonNode afterForce = get("/api/v1/status").path("sync").path("pin");
        assertThat(afterForce.path("onBranch").asBoolean()).isFalse();
        assertThat(afterForce.path("behind").asInt()).isEqualTo(1);
        assertThat(afterForce.path("note").asText()).contains("force-pushed");
        assertThat(get("/api/v1/history").path("versions").findValuesAsText("id")).contains(rewritten, second);

        stopServer();
        startServer(); // the pin is kept across a restart
        assertThat(mission()).isEqualTo("Mission one.");
        assertThat(get("/ready").path("checks").path("sync").asText()).isEqualTo("pinned");

        HttpResponse<String> unpin = send("DELETE", "/api/v1/sync/pin", null);
        assertThat(unpin.statusCode()).as(unpin.body()).isEqualTo(200);
        assertThat(JSON.readTree(unpin.body()).path("revision").asText()).isEqualTo(rewritten);
        assertThat(mission()).isEqualTo("Mission rewritten.");
        assertThat(get("/api/v1/status").path("sync").path("pin").isNull()).isTrue();
        assertThat(get("/ready").path("checks").path("sync").asText()).isEqualTo("ok");
        assertThat(send("POST", "/api/v1/sync/pin", "{\"commit\": \"" + "fe".repeat(20) + "\"}").statusCode()).isEqualTo(404);
        assertThat(send("POST", "/api/v1/sync/pin", "{}").statusCode()).isEqualTo(400);
    }

    @Test
    void a_replay_in_cloud_mode_runs_on_the_context_and_skills_of_the_commit_the_run_recorded() throws Exception {
        remote.commit("A skill", "skills/lookup.sh", "#!/bin/sh\n# NAME: old_lookup\n# DESCRIPTION: the old one\necho old answer\n");
        remote.executable("skills/lookup.sh");
        remote.commitAll("A skill");
        remote.push();
        startServer();
        llm.script(call -> call.toolResults().isEmpty() && !call.tools().isEmpty()
                ? Reply.tool(call.tools().get(0), "{}") : Reply.text("done: " + call.toolResults()));
        HttpResponse<String> run = send("POST", "/api/v1/run-workflow", HistoryRoutesTest.ONE_AGENT);
        JsonNode ran = JSON.readTree(run.body());
        assertThat(ran.path("status").asText()).as(run.body()).isEqualTo("success");
        String runId = ran.path("runId").asText();
        int before = llm.requestCount();

        remote.commit("A new skill and mission", "skills/lookup.sh",
                "#!/bin/sh\n# NAME: new_lookup\n# DESCRIPTION: the new one\necho new answer\n", "context/MISSION.md", "Mission five.\n");
        remote.executable("skills/lookup.sh");
        remote.commitAll("A new skill and mission");
        remote.push();
        send("POST", "/api/v1/sync", null);
        assertThat(mission()).isEqualTo("Mission five.");

        HttpResponse<String> replay = send("POST", "/api/v1/runs/" + runId + "/replay", null);
        assertThat(replay.statusCode()).as(replay.body()).isEqualTo(202);
        String replayId = JSON.readTree(replay.body()).path("runId").asText();
        Poll.until(Duration.ofSeconds(20), "the replay", () -> {
            try {
                return !get("/api/v1/runs/" + replayId).path("status").asText().equals("running");
            } catch (Exception e) {
                return false;
            }
        });
        JsonNode replayed = get("/api/v1/runs/" + replayId);
        assertThat(replayed.path("status").asText()).isEqualTo("succeeded");
        assertThat(replayed.path("finalOutput").asText()).contains("old answer");
        LlmStandIn.Call firstCall = llm.calls().get(before);
        assertThat(firstCall.tools()).containsExactly("old_lookup");
        assertThat(firstCall.system()).contains("Mission three.").doesNotContain("Mission five.");
    }
}
