package dev.braintrust.schedule;

import com.fasterxml.jackson.databind.JsonNode;
import dev.braintrust.Json;
import dev.braintrust.testing.LlmStandIn;
import dev.braintrust.testing.LlmStandIn.Reply;
import dev.braintrust.testing.Poll;
import dev.braintrust.testing.TestHome;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A server killed (kill -9) in the minute before a fire, down while several fires pass, started again:
 * exactly one catch-up run, and a further restart runs nothing more. Real child processes, started with the
 * launcher's heap limit, on clocks set ahead so that minutes pass in seconds of the test.
 */
class ScheduleRestartTest {
    @TempDir
    Path dir;
    @AutoClose
    private final LlmStandIn llm = new LlmStandIn();
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<Process> children = new ArrayList<>();

    private record Child(Process process, int port, Instant schedulerStart) {
    }

    private Child start(Path home, long offsetMillis) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), ScheduledServer.class.getName(),
                Long.toString(offsetMillis)));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(TestHome.env(home, llm, Map.of("BRAIN_TRUST_PORT", "0")));
        Process process = pb.start();
        children.add(process);
        BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        int port = -1;
        StringBuilder seen = new StringBuilder();
        for (String line; (line = lines.readLine()) != null; ) {
            seen.append(line).append('\n');
            if (line.startsWith("port ")) {
                port = Integer.parseInt(line.substring(5).strip());
            } else if (line.startsWith("scheduler ")) {
                Thread drain = new Thread(() -> {
                    try {
                        lines.transferTo(java.io.Writer.nullWriter());
                    } catch (Exception ignored) {
                        // the child was killed
                    }
                });
                drain.setDaemon(true);
                drain.start();
                return new Child(process, port, Instant.parse(line.substring(10).strip()));
            }
        }
        throw new AssertionError("the server did not start:\n" + seen);
    }

    private static void kill9(Child child) throws Exception {
        child.process().destroyForcibly().waitFor(20, TimeUnit.SECONDS); // SIGKILL: no shutdown hook runs
    }

    private JsonNode get(Child child, String path) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + child.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        return Json.mapper().readTree(response.body());
    }

    @Test
    void a_server_killed_before_a_fire_and_down_for_several_runs_exactly_one_catch_up_run_at_restart() throws Exception {
        llm.script(call -> Reply.text("caught up"));
        Path home = TestHome.create(dir.resolve("home"));
        TestHome.noSkills(home);
        Files.writeString(home.resolve("workflows/pulse.json"), ScheduleServiceTest.workflow("Pulse",
                "{\"cron\": \"* * * * *\", \"timezone\": \"UTC\", \"missed\": \"run-once\"}"));
        // The first server's clock stands 50 s before a minute: it sees the schedule, then is killed before the fire.
        Instant now = Instant.now();
        Instant minute = now.truncatedTo(ChronoUnit.MINUTES).plus(Duration.ofMinutes(1));
        long offset = Duration.between(now, minute.minusSeconds(50)).toMillis();
        Child first = start(home, offset);
        assertThat(first.schedulerStart()).isBefore(minute);
        kill9(first);
        // The second one starts four minutes later (by its clock): the fires of several minutes were missed.
        Child second = start(home, offset + Duration.ofMinutes(4).toMillis());
        long missed = Duration.between(first.schedulerStart().truncatedTo(ChronoUnit.MINUTES),
                second.schedulerStart().truncatedTo(ChronoUnit.MINUTES)).toMinutes();
        assertThat(missed).isGreaterThanOrEqualTo(3);
        Poll.until(Duration.ofSeconds(60), "the catch-up run to finish", () -> {
            try {
                JsonNode runs = get(second, "/api/v1/runs").path("runs");
                return runs.size() == 1 && runs.get(0).path("status").asText().equals("succeeded");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        JsonNode fires = get(second, "/api/v1/schedules/pulse").path("recent");
        assertThat(fires).hasSize(1);
        assertThat(fires.get(0).path("kind").asText()).isEqualTo("catch-up");
        assertThat(fires.get(0).path("detail").asText()).startsWith(missed + " fires missed while no server was running");
        assertThat(get(second, "/api/v1/runs").path("runs").get(0).path("source").asText()).isEqualTo("catch-up");
        kill9(second);

        // Started once more: the catch-up is never run twice (a minute that passed meanwhile is a new fire).
        Child third = start(home, offset + Duration.ofMinutes(4).toMillis());
        Thread.sleep(1500);
        long newMinutes = Duration.between(second.schedulerStart().truncatedTo(ChronoUnit.MINUTES),
                third.schedulerStart().truncatedTo(ChronoUnit.MINUTES)).toMinutes();
        int expected = newMinutes > 0 ? 2 : 1;
        Poll.until(Duration.ofSeconds(30), expected + " run(s) in all", () -> {
            try {
                return get(third, "/api/v1/runs").path("runs").size() >= expected;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        JsonNode after = get(third, "/api/v1/schedules/pulse").path("recent");
        assertThat(after).hasSize(expected);
        assertThat(after.get(after.size() - 1).path("fireAt").asText()).isEqualTo(fires.get(0).path("fireAt").asText());
        assertThat(get(third, "/api/v1/runs").path("runs")).hasSize(expected);
        kill9(third);
    }

    @org.junit.jupiter.api.AfterEach
    void stopChildren() throws Exception {
        for (Process p : children) {
            p.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
        }
    }
}
