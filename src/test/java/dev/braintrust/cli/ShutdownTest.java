package dev.braintrust.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.braintrust.Json;
import dev.braintrust.testing.LlmStandIn;
import dev.braintrust.testing.LlmStandIn.Reply;
import dev.braintrust.testing.ServerProcess;
import dev.braintrust.testing.TestHome;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 11.10: SIGTERM while a browser tab follows a run. Jetty used to stop before the runs, which
 * then published into recycled responses (tens of thousands of NPEs), and the hook killed the JVM with
 * the run still "running" and no journal entry. A real child process with the launcher's JVM options.
 */
class ShutdownTest {
    @TempDir
    Path dir;
    @AutoClose
    final LlmStandIn llm = new LlmStandIn();

    @Test
    void sigterm_with_a_live_event_stream_ends_the_run_interrupted_in_the_database_and_the_journal_and_closes_the_stream()
            throws Exception {
        Path home = TestHome.create(dir.resolve("home"));
        TestHome.noSkills(home);
        llm.script(call -> Reply.text("too late").after(120_000));
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        try (ServerProcess server = ServerProcess.start(home, TestHome.env(home, llm, java.util.Map.of()))) {
            String body = "{\"name\":\"Slow\",\"nodes\":[{\"id\":\"a\",\"type\":\"agentNode\",\"data\":{\"name\":\"Thinker\","
                    + "\"prompt\":\"Think\",\"model\":\"gpt-4o-mini\"}}],\"edges\":[]}";
            HttpResponse<String> started = http.send(HttpRequest.newBuilder(URI.create(server.url + "/api/v1/runs"))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
            String id = Json.mapper().readTree(started.body()).path("runId").asText();
            HttpResponse<InputStream> stream = http.send(HttpRequest.newBuilder(URI.create(server.url + "/api/v1/runs/" + id + "/events"))
                    .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofInputStream());
            List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
            CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
                    for (String line; (line = in.readLine()) != null; ) {
                        lines.add(line);
                    }
                } catch (Exception e) {
                    lines.add("read failed: " + e);
                }
            });
            llm.awaitCalls(1, 30_000); // the agent is waiting for its model
            assertThat(lines).contains("event: node-started");

            long t0 = System.nanoTime();
            assertThat(server.terminate(Duration.ofSeconds(45))).as("stopped within the 45 s grace period").isTrue();
            long stopMs = (System.nanoTime() - t0) / 1_000_000;
            assertThat(server.process.exitValue()).isIn(0, 143);
            reader.get(10, TimeUnit.SECONDS);

            assertThat(lines).as("the stream carried the run's end, then closed").contains("event: done");
            String done = lines.get(lines.indexOf("event: done") + 1);
            assertThat(done).contains("\"status\":\"interrupted\"").contains("Brain Trust stopped while the run was going on");
            assertThat(stopMs).as("time from SIGTERM to exit, ms").isLessThan(20_000);

            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + home.resolve("state/brain-trust.db"));
                 Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT status, error FROM runs WHERE id = '" + id + "'")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString("status")).isEqualTo("interrupted");
                assertThat(rs.getString("error")).contains("Brain Trust stopped");
            }
            String journal;
            try (var days = Files.list(home.resolve("logs"))) {
                List<Path> files = new ArrayList<>(days.toList());
                assertThat(files).isNotEmpty();
                journal = Files.readString(files.get(0));
            }
            assertThat(journal).contains("Slow").contains("interrupted").contains(id);
            String stderr = server.stderr();
            assertThat(stderr).doesNotContain("NullPointerException").doesNotContain("Exception in");
            assertThat(stderr.lines().count()).as("stderr: %s", stderr).isLessThan(40);
            assertThat(stderr).contains("Stopped.");
        }
    }

    static JsonNode json(String body) throws Exception {
        return Json.mapper().readTree(body);
    }
}
