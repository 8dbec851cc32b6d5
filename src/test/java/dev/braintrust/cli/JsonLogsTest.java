package dev.braintrust.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.braintrust.testing.ChildJvm;
import dev.braintrust.testing.Poll;
import dev.braintrust.testing.RemoteFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code BRAIN_TRUST_LOG_FORMAT=json} in a real child process, the way a container runs it: every line
 * on both streams is one JSON object whose {@code message} is the formatted text.
 */
class JsonLogsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String API_KEY = "json-logs-test-key-0123456789";
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final List<Process> started = new ArrayList<>();

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        started.forEach(Process::destroyForcibly);
    }

    private Process start(Map<String, String> env, Path out, Path err, String... args) throws IOException {
        ProcessBuilder pb = ChildJvm.builder(Main.class, Map.of(), args);
        pb.environment().keySet().removeIf(k -> k.startsWith("BRAIN_TRUST_") || k.equals("PAI_HOME") || k.endsWith("_API_KEY"));
        pb.environment().putAll(env);
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        started.add(p);
        return p;
    }

    private Map<String, String> jsonEnv() {
        Map<String, String> env = new HashMap<>();
        env.put("PAI_HOME", dir.resolve("home").toString());
        env.put("BRAIN_TRUST_LOG_FORMAT", "json");
        return env;
    }

    /** Every line of the file, each parsed as one JSON log event with the fields a collector reads. */
    private static List<JsonNode> events(Path file) throws IOException {
        List<JsonNode> events = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            JsonNode event;
            try {
                event = JSON.readTree(line);
            } catch (IOException e) {
                throw new AssertionError("not one JSON object: " + line, e);
            }
            assertThat(event.isObject()).as(line).isTrue();
            for (String field : List.of("timestamp", "level", "logger", "thread", "message")) {
                assertThat(event.path(field).isTextual()).as(field + " in " + line).isTrue();
            }
            assertThat(event.has("arguments")).as("no raw arguments in " + line).isFalse();
            assertThat(event.path("message").asText()).as("a formatted message in " + line).doesNotContain("{}");
            events.add(event);
        }
        return events;
    }

    private static List<String> messages(List<JsonNode> events) {
        return events.stream().map(e -> e.path("message").asText()).toList();
    }

    @Test
    void every_line_of_a_cloud_server_is_one_json_object_with_the_formatted_message() throws Exception {
        RemoteFixture remote = RemoteFixture.create(dir.resolve("git"), "main");
        String first = remote.commitAndPush("v1", "context/MISSION.md", "m1", "context/GOALS.md", "g", "context/BELIEFS.md", "b");
        Map<String, String> env = jsonEnv();
        env.put("BRAIN_TRUST_GIT_URL", remote.url());
        env.put("BRAIN_TRUST_API_KEY", API_KEY);
        env.put("BRAIN_TRUST_PORT", "0");
        env.put("BRAIN_TRUST_SYNC_INTERVAL", "0");
        Path out = dir.resolve("out.jsonl");
        Path err = dir.resolve("err.jsonl");
        Process serve = start(env, out, err, "serve");

        Poll.until(Duration.ofSeconds(60), "the serving line", () -> read(out).contains("serving on"));
        List<JsonNode> stdout = events(out);
        assertThat(stdout).singleElement().satisfies(e -> {
            assertThat(e.path("level").asText()).isEqualTo("INFO");
            assertThat(e.path("message").asText()).startsWith("Brain Trust is serving on http://127.0.0.1:");
        });
        Matcher port = Pattern.compile(":(\\d+) ").matcher(stdout.get(0).path("message").asText());
        assertThat(port.find()).isTrue();
        String base = "http://127.0.0.1:" + port.group(1);

        String second = remote.commitAndPush("v2", "context/MISSION.md", "m2");
        assertThat(send(base + "/api/v1/sync", API_KEY, true).statusCode()).isEqualTo(200);
        assertThat(send(base + "/api/v1/status", "a-wrong-key", false).statusCode()).isEqualTo(403);
        serve.destroy(); // SIGTERM
        assertThat(serve.waitFor(30, TimeUnit.SECONDS)).isTrue();

        List<String> logged = messages(events(err));
        assertThat(logged).as(read(err)).anySatisfy(m -> assertThat(m).startsWith("synced " + remote.url())
                .contains(first.substring(0, 12) + " -> " + second.substring(0, 12)));
        assertThat(logged).anySatisfy(m -> assertThat(m).startsWith("wrong API key from 127.0.0.1 for GET /api/v1/status"));
        assertThat(logged).contains("Stopping: no new requests; runs in progress end interrupted, then requests in flight finish...", "Stopped.");
        assertThat(read(out) + read(err)).doesNotContain(API_KEY).doesNotContain("a-wrong-key");
    }

    @Test
    void a_configuration_error_is_one_json_error_event() throws Exception {
        Map<String, String> env = jsonEnv();
        env.put("BRAIN_TRUST_API_KEY_FILE", dir.resolve("no-such-secret").toString());
        Path out = dir.resolve("out.jsonl");
        Path err = dir.resolve("err.jsonl");
        Process serve = start(env, out, err, "serve");
        assertThat(serve.waitFor(60, TimeUnit.SECONDS)).isTrue();

        assertThat(serve.exitValue()).isEqualTo(Main.BAD_INPUT);
        assertThat(read(out)).isEmpty();
        assertThat(events(err)).singleElement().satisfies(e -> {
            assertThat(e.path("level").asText()).isEqualTo("ERROR");
            assertThat(e.path("message").asText()).contains("BRAIN_TRUST_API_KEY_FILE").contains("no-such-secret")
                    .doesNotStartWith("error:");
        });
    }

    @Test
    void the_init_step_prints_its_sync_as_json_and_data_commands_keep_their_output() throws Exception {
        RemoteFixture remote = RemoteFixture.create(dir.resolve("git"), "main");
        String head = remote.commitAndPush("v1", "context/MISSION.md", "m1");
        Map<String, String> env = jsonEnv();
        env.put("BRAIN_TRUST_GIT_URL", remote.url());
        Path out = dir.resolve("sync.jsonl");
        Process sync = start(env, out, dir.resolve("sync.err"), "sync", "--once");
        assertThat(sync.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(sync.exitValue()).as(read(dir.resolve("sync.err"))).isZero();
        assertThat(messages(events(out))).singleElement().asString().startsWith("Cloned " + remote.url() + " at " + head);
        events(dir.resolve("sync.err"));

        Path status = dir.resolve("status.json");
        Process p = start(env, status, dir.resolve("status.err"), "status", "--json");
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        JsonNode report = JSON.readTree(status.toFile());
        assertThat(report.has("level")).as("status --json prints the status, not a log event").isFalse();
        assertThat(report.toString()).contains(head);
    }

    private HttpResponse<String> send(String url, String key, boolean post) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).header("X-API-Key", key);
        if (post) {
            b.POST(HttpRequest.BodyPublishers.noBody());
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
