package dev.braintrust.sync;

import dev.braintrust.Json;
import dev.braintrust.testing.Poll;
import dev.braintrust.testing.RemoteFixture;
import dev.braintrust.testing.ServerProcess;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A push through the webhook of a server started as the launcher starts it: what a reader sees right
 * after the answer, what follows the answer (the working tree, the branch, the journal, the status),
 * and what a SIGKILL right after the answer leaves.
 */
class PushToLiveTest {
    static final String SECRET = "push-to-live-secret";

    @TempDir
    Path dir;
    RemoteFixture remote;
    Path home;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void setUp() {
        remote = RemoteFixture.create(dir, "main");
        remote.commitAndPush("first", "context/MISSION.md", "m1", "context/GOALS.md", "g1", "context/BELIEFS.md", "b1");
        home = dir.resolve("home");
    }

    @AfterEach
    void tearDown() {
        remote.close();
    }

    ServerProcess start() throws Exception {
        return start(Map.of());
    }

    /** The server on the remote, with {@code more} variables beside the usual ones. */
    ServerProcess start(Map<String, String> more) throws Exception {
        Map<String, String> env = new java.util.HashMap<>(Map.of("BRAIN_TRUST_GIT_URL", remote.url(), "HOME", dir.toString(),
                "WEBHOOK_SECRET", SECRET, "BRAIN_TRUST_SYNC_INTERVAL", "0"));
        env.putAll(more);
        ServerProcess server = ServerProcess.start(home, env);
        until("the server to be ready", () -> server.get("/ready").statusCode() == 200);
        return server;
    }

    HttpResponse<String> deliver(ServerProcess server, String delivery, String after) throws Exception {
        String body = "{\"ref\":\"refs/heads/main\",\"after\":\"" + after + "\"}";
        return http.send(HttpRequest.newBuilder(URI.create(server.url + "/api/v1/webhook/sync-context"))
                .header("Content-Type", "application/json").header("X-GitHub-Event", "push")
                .header("X-GitHub-Delivery", delivery)
                .header("X-Hub-Signature-256", "sha256=" + WebhookTest.hmac(SECRET, body, "HmacSHA256"))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    String servedRevision(ServerProcess server) throws Exception {
        return Json.mapper().readTree(server.get("/api/v1/context").body()).path("revision").asText();
    }

    String headOfHome() throws Exception {
        try (Git git = Git.open(home.toFile())) {
            return git.getRepository().resolve("HEAD").name();
        }
    }

    String journal() throws Exception {
        StringBuilder all = new StringBuilder();
        try (Stream<Path> days = Files.list(home.resolve("logs"))) {
            for (Path day : days.filter(p -> p.toString().endsWith(".md")).sorted().toList()) {
                all.append(Files.readString(day));
            }
        }
        return all.toString();
    }

    /** The last sync, as the status file in state/sync/ holds it. */
    com.fasterxml.jackson.databind.JsonNode lastSync() throws Exception {
        return Json.mapper().readTree(Files.readString(home.resolve("state/sync/last-sync.json"))).path("last");
    }

    interface Check {
        boolean holds() throws Exception;
    }

    /** Polls {@code check} for up to 60 s; an exception counts as not yet. */
    static void until(String what, Check check) {
        Poll.until(Duration.ofSeconds(60), what, () -> {
            try {
                return check.holds();
            } catch (Exception e) {
                return false;
            }
        });
    }

    static int count(String text, String part) {
        return text.split(java.util.regex.Pattern.quote(part), -1).length - 1;
    }

    @Test
    void a_reader_right_after_the_webhook_answer_sees_the_pushed_revision_and_the_home_follows_it() throws Exception {
        try (ServerProcess server = start()) {
            for (int n = 1; n <= 3; n++) {
                int i = n;
                String pushed = remote.commitAndPush("goals " + i, "context/GOALS.md", "goals " + i);
                HttpResponse<String> answer = deliver(server, "delivery-" + i, pushed);
                assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
                assertThat(Json.mapper().readTree(answer.body()).path("revision").asText()).isEqualTo(pushed);
                assertThat(Json.mapper().readTree(answer.body()).path("stepsMs").has("checkout")).as("the steps of the sync").isTrue();
                assertThat(servedRevision(server)).as("the first read after the answer").isEqualTo(pushed);
                assertThat(server.get("/api/v1/context/GOALS").body()).isEqualTo("goals " + i);
                // what follows the answer: the working tree and the branch of the home, the journal entry
                until("the home's working tree at " + pushed, () -> pushed.equals(headOfHome())
                        && Files.readString(home.resolve("context/GOALS.md")).equals("goals " + i));
                String entry = pushed.substring(0, 12);
                until("the journal entry of " + entry, () -> journal().contains("→ " + entry));
            }
            try (Git git = Git.open(home.toFile())) {
                assertThat(git.status().call().isClean()).as("nothing of the syncs left as a local edit").isTrue();
            }
            until("the status file", () -> lastSync().path("revision").asText().equals(remote.head()));
        }
    }

    @Test
    void a_server_killed_with_sigkill_right_after_answering_a_push_journals_that_push_once_at_the_next_start() throws Exception {
        String pushed;
        try (ServerProcess server = start()) {
            pushed = remote.commitAndPush("goals 2", "context/GOALS.md", "goals 2");
            assertThat(deliver(server, "delivery-kill", pushed).statusCode()).isEqualTo(200);
            server.process.destroyForcibly(); // SIGKILL as soon as the answer is in
            assertThat(server.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        String entry = "→ " + pushed.substring(0, 12);
        try (ServerProcess server = start()) {
            assertThat(servedRevision(server)).isEqualTo(pushed);
            until("the journal entry of the push", () -> journal().contains(entry));
            until("the home's working tree", () -> pushed.equals(headOfHome()));
            assertThat(count(journal(), entry)).as("journaled once").isEqualTo(1);
            try (Stream<Path> left = Files.list(home.resolve("state/sync/pending"))) {
                assertThat(left).as("no record left to journal again").isEmpty();
            }
        }
    }

    @Test
    void the_start_up_warm_up_runs_off_the_home_and_leaves_nothing_in_it() throws Exception {
        try (ServerProcess server = start()) {
            String log = server.stderrUntil("warmed the sync path up", Duration.ofSeconds(60));
            assertThat(log).contains("warmed the sync path up with");
            assertThat(home.resolve("state/sync/warm-up")).as("its scratch folder, kept in the server's own state until it stops")
                    .isDirectory();
            assertThat(count(journal(), "Sync from")).as("only the start's own sync is journaled").isEqualTo(1);
            assertThat(journal()).doesNotContain("warm-up");
            try (Git git = Git.open(home.toFile())) {
                assertThat(git.getRepository().getRefDatabase().getRefs().stream().map(r -> r.getName()))
                        .containsExactlyInAnyOrder("HEAD", "refs/heads/main", "refs/remotes/origin/main");
            }
            assertThat(lastSync().path("trigger").asText()).as("the status file").isEqualTo("start");
            String pushed = remote.commitAndPush("goals 2", "context/GOALS.md", "goals 2");
            assertThat(deliver(server, "after-warm-up", pushed).statusCode()).isEqualTo(200);
            assertThat(servedRevision(server)).isEqualTo(pushed);
            assertThat(server.terminate(Duration.ofSeconds(30))).as("stopped on SIGTERM").isTrue();
        }
        assertThat(home.resolve("state/sync/warm-up")).as("its scratch folder, deleted when the server stopped").doesNotExist();
    }

    @Test
    void the_warm_up_over_http_is_left_out_of_the_metrics_and_changes_nothing() throws Exception {
        try (ServerProcess server = start()) {
            String log = server.stderrUntil("warmed the HTTP side of a push up", Duration.ofSeconds(60));
            assertThat(log).contains("warmed the HTTP side of a push up with 4 requests to itself")
                    .contains("(answered: webhook [202], context [200];");
            String metrics = server.get("/metrics").body();
            assertThat(metrics).as("the warm-up's deliveries").doesNotContain("route=\"/api/v1/webhook/sync-context\"");
            assertThat(metrics).as("the warm-up's context reads").doesNotContain("route=\"/api/v1/context\"");
            assertThat(count(journal(), "Sync from")).as("only the start's own sync is journaled").isEqualTo(1);
            assertThat(lastSync().path("trigger").asText()).as("the status file").isEqualTo("start");
            // the same delivery from a stranger who guesses at the marker is counted
            String body = "{\"ref\":\"refs/heads/brain-trust-warm-up\",\"after\":\"" + "0".repeat(40) + "\"}";
            HttpResponse<String> stranger = http.send(HttpRequest.newBuilder(URI.create(server.url + "/api/v1/webhook/sync-context"))
                    .header("Content-Type", "application/json").header("X-GitHub-Event", "push")
                    .header("X-GitHub-Delivery", "stranger").header("X-Brain-Trust-Warm-Up", "a guess")
                    .header("X-Hub-Signature-256", "sha256=" + WebhookTest.hmac(SECRET, body, "HmacSHA256"))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(stranger.statusCode()).as(stranger.body()).isEqualTo(202);
            assertThat(server.get("/metrics").body()).containsPattern(java.util.regex.Pattern.quote(
                    "http_server_requests_seconds_count{method=\"POST\",route=\"/api/v1/webhook/sync-context\",status=\"202\"} ")
                    + "1(\\.0)?\n");
        }
    }

    @Test
    void with_an_api_key_the_warm_up_reads_the_context_with_it() throws Exception {
        String key = "push-to-live-key";
        try (ServerProcess server = start(Map.of("BRAIN_TRUST_API_KEY", key))) {
            assertThat(server.stderrUntil("warmed the HTTP side of a push up", Duration.ofSeconds(60)))
                    .contains("(answered: webhook [202], context [200];");
            assertThat(server.get("/api/v1/context", "X-API-Key", key).statusCode()).as("not locked out").isEqualTo(200);
        }
    }
}
