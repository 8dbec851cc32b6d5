package dev.braintrust.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.braintrust.BrainTrust;
import dev.braintrust.Config;
import dev.braintrust.Json;
import dev.braintrust.testing.Poll;
import dev.braintrust.testing.RemoteFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The webhook, {@code POST /api/v1/sync}, and the sync parts of {@code /api/v1/status} and {@code /ready}, over real HTTP. */
class SyncRoutesTest {
    static final String SECRET = "webhook-secret-for-tests";
    static final String API_KEY = "api-key-for-tests-0123456789";

    @TempDir
    Path dir;
    RemoteFixture remote;
    BrainTrust bt;
    ApiServer server;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void setUp() {
        remote = RemoteFixture.create(dir, "main");
        remote.commitAndPush("first", "context/MISSION.md", "m1", "context/GOALS.md", "g1", "context/BELIEFS.md", "b1");
    }

    @AfterEach
    void tearDown() {
        if (server != null) {
            server.close();
        }
        if (bt != null) {
            bt.close();
        }
        remote.close();
    }

    void startCloudServer(String... extraEnv) {
        Map<String, String> env = new HashMap<>(Map.of("HOME", dir.toString(), "PAI_HOME", dir.resolve("home").toString(),
                "BRAIN_TRUST_GIT_URL", remote.url(), "BRAIN_TRUST_PORT", "0", "BRAIN_TRUST_SYNC_INTERVAL", "0",
                "WEBHOOK_SECRET", SECRET, "BRAIN_TRUST_API_KEY", API_KEY));
        for (int i = 0; i + 1 < extraEnv.length; i += 2) {
            env.put(extraEnv[i], extraEnv[i + 1]);
        }
        env.values().removeIf(String::isEmpty);
        bt = BrainTrust.open(Config.fromEnv(env));
        server = new ApiServer(bt).start();
    }

    HttpResponse<String> send(String method, String path, byte[] body, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofMinutes(1))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        for (int i = 0; i + 1 < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> deliver(String event, String delivery, String body) throws Exception {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return send("POST", "/api/v1/webhook/sync-context", bytes, "Content-Type", "application/json",
                "X-GitHub-Event", event, "X-GitHub-Delivery", delivery, "X-Hub-Signature-256", "sha256=" + hmac(bytes));
    }

    static String hmac(byte[] body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(body));
    }

    static JsonNode json(HttpResponse<String> r) throws Exception {
        return Json.mapper().readTree(r.body());
    }

    static String push(String ref) {
        return "{\"ref\":\"" + ref + "\"}";
    }

    @Test
    void not_ready_before_the_first_snapshot_then_ready_and_it_stays_ready_but_says_sync_failing_when_the_remote_fails()
            throws Exception {
        startCloudServer();
        HttpResponse<String> before = send("GET", "/ready", null);
        assertThat(before.statusCode()).isEqualTo(503);
        assertThat(json(before).path("checks").path("sync").asText()).isEqualTo("not ready");
        assertThat(json(send("GET", "/ready", null, "X-API-Key", API_KEY)).path("problems").path("sync").asText())
                .contains("no snapshot yet");

        HttpResponse<String> synced = send("POST", "/api/v1/sync", null, "X-API-Key", API_KEY);
        assertThat(synced.statusCode()).as(synced.body()).isEqualTo(200);
        assertThat(json(synced).path("revision").asText()).isEqualTo(remote.head());
        HttpResponse<String> ready = send("GET", "/ready", null, "X-API-Key", API_KEY);
        assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
        assertThat(json(ready).path("checks").path("sync").asText()).isEqualTo("ok");
        assertThat(json(ready).path("sync").path("revision").asText()).isEqualTo(remote.head());

        Path away = dir.resolve("away.git");
        Files.move(remote.bare, away);
        HttpResponse<String> failed = send("POST", "/api/v1/sync", null, "X-API-Key", API_KEY);
        assertThat(failed.statusCode()).isEqualTo(503);
        assertThat(json(failed).path("detail").asText()).contains("no repository at " + remote.url());
        HttpResponse<String> stillReady = send("GET", "/ready", null, "X-API-Key", API_KEY);
        assertThat(stillReady.statusCode()).isEqualTo(200);
        assertThat(json(stillReady).path("status").asText()).isEqualTo("ready");
        assertThat(json(stillReady).path("checks").path("sync").asText()).isEqualTo("failing");
        assertThat(json(stillReady).path("problems").path("sync").asText()).contains("the last sync failed")
                .contains("no repository at");
        assertThat(json(stillReady).path("sync").path("lastOutcome").asText()).isEqualTo("failed");
        assertThat(json(stillReady).path("sync").path("lastError").asText()).contains("no repository at");
        JsonNode status = json(send("GET", "/api/v1/status", null, "X-API-Key", API_KEY));
        assertThat(status.path("mode").asText()).isEqualTo("cloud");
        assertThat(status.path("sync").path("lastOutcome").asText()).isEqualTo("failed");
        assertThat(status.path("sync").path("lastError").asText()).contains("no repository at");
        assertThat(status.path("sync").path("note").asText()).contains("local edits on the server are overwritten by the next sync");
        assertThat(status.path("revision").asText()).isEqualTo(remote.head());
        Files.move(away, remote.bare);
        assertThat(send("POST", "/api/v1/sync", null, "X-API-Key", API_KEY).statusCode()).isEqualTo(200);
        assertThat(json(send("GET", "/ready", null)).path("checks").path("sync").asText()).isEqualTo("ok");
    }

    @Test
    void ready_tells_a_stranger_the_status_and_which_checks_fail_but_no_url_revision_or_error() throws Exception {
        startCloudServer();
        send("POST", "/api/v1/sync", null, "X-API-Key", API_KEY);
        Files.move(remote.bare, dir.resolve("away.git"));
        send("POST", "/api/v1/sync", null, "X-API-Key", API_KEY);
        for (String[] caller : new String[][]{{}, {"X-API-Key", "a-wrong-key"}}) {
            HttpResponse<String> r = send("GET", "/ready", null, caller);
            assertThat(r.statusCode()).isEqualTo(200);
            JsonNode body = json(r);
            assertThat(body.path("status").asText()).isEqualTo("ready");
            assertThat(body.path("checks").path("sync").asText()).isEqualTo("failing");
            assertThat(body.has("sync")).isFalse();
            assertThat(body.has("detail")).isFalse();
            assertThat(r.body()).doesNotContain(remote.url()).doesNotContain(bt.context().snapshot().revision())
                    .doesNotContain("no repository").doesNotContain("remote.git");
        }
        HttpResponse<String> owner = send("GET", "/ready", null, "X-API-Key", API_KEY);
        assertThat(owner.body()).contains(remote.url()).contains(bt.context().snapshot().revision()).contains("no repository at");
    }

    @Test
    void the_server_syncs_at_start_and_a_signed_push_is_live_when_the_webhook_answers() throws Exception {
        startCloudServer();
        bt.watchForChanges(); // what 'serve' does: the first sync, in the background
        Poll.until(Duration.ofSeconds(30), "ready", () -> {
            try {
                return send("GET", "/ready", null).statusCode() == 200;
            } catch (Exception e) {
                return false;
            }
        });
        String previous = remote.head();
        String next = remote.commitAndPush("goals", "context/GOALS.md", "g2");
        HttpResponse<String> r = deliver("push", "d-1", push("refs/heads/main"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = json(r);
        assertThat(body.path("status").asText()).isEqualTo("synced");
        assertThat(body.path("revision").asText()).isEqualTo(next);
        assertThat(body.path("previous").asText()).isEqualTo(previous);
        assertThat(body.path("changed").get(0).asText()).isEqualTo("context/GOALS.md");
        assertThat(body.path("durationMs").isNumber()).isTrue();
        JsonNode context = json(send("GET", "/api/v1/context", null, "X-API-Key", API_KEY));
        assertThat(context.path("revision").asText()).isEqualTo(next);
        assertThat(send("GET", "/api/v1/context/GOALS", null, "X-API-Key", API_KEY).body()).isEqualTo("g2");
    }

    @Test
    void the_webhook_needs_no_api_key_but_a_signature_and_answers_ping_other_branches_and_replays() throws Exception {
        startCloudServer();
        send("POST", "/api/v1/sync", null, "X-API-Key", API_KEY);
        assertThat(send("POST", "/api/v1/sync", null).statusCode()).as("the manual sync needs the key").isEqualTo(401);
        String body = push("refs/heads/main");
        HttpResponse<String> unsigned = send("POST", "/api/v1/webhook/sync-context", body.getBytes(StandardCharsets.UTF_8),
                "X-GitHub-Event", "push");
        assertThat(unsigned.statusCode()).isEqualTo(403);
        assertThat(json(unsigned).path("error").asText()).isEqualTo("forbidden");
        HttpResponse<String> wrong = send("POST", "/api/v1/webhook/sync-context", body.getBytes(StandardCharsets.UTF_8),
                "X-GitHub-Event", "push", "X-Hub-Signature-256", "sha256=" + "0".repeat(64));
        assertThat(wrong.statusCode()).isEqualTo(403);
        HttpResponse<String> ping = deliver("ping", "p-1", "{\"zen\":\"hi\"}");
        assertThat(ping.statusCode()).isEqualTo(200);
        assertThat(json(ping).path("status").asText()).isEqualTo("pong");
        HttpResponse<String> other = deliver("push", "o-1", push("refs/heads/feature"));
        assertThat(other.statusCode()).isEqualTo(202);
        assertThat(json(other).path("status").asText()).isEqualTo("ignored");
        String next = remote.commitAndPush("g", "context/GOALS.md", "g2");
        assertThat(json(deliver("push", "same", body)).path("revision").asText()).isEqualTo(next);
        remote.commitAndPush("g", "context/GOALS.md", "g3");
        HttpResponse<String> replay = deliver("push", "same", body);
        assertThat(json(replay).path("status").asText()).isEqualTo("duplicate");
        assertThat(json(replay).path("revision").asText()).isEqualTo(next);
        HttpResponse<String> gitlab = send("POST", "/api/v1/webhook/sync-context", body.getBytes(StandardCharsets.UTF_8),
                "X-Gitlab-Event", "Push Hook", "X-Gitlab-Token", SECRET);
        assertThat(json(gitlab).path("revision").asText()).isEqualTo(remote.head());
    }

    @Test
    void the_sync_command_asks_the_running_server_which_serves_the_new_revision_at_once() throws Exception {
        startCloudServer();
        send("POST", "/api/v1/sync", null, "X-API-Key", API_KEY);
        String next = remote.commitAndPush("g", "context/GOALS.md", "g2");
        Map<String, String> env = Map.of("HOME", dir.toString(), "PAI_HOME", dir.resolve("home").toString(),
                "BRAIN_TRUST_GIT_URL", remote.url(), "BRAIN_TRUST_PORT", String.valueOf(server.port()),
                "BRAIN_TRUST_API_KEY", API_KEY);
        String url = "http://127.0.0.1:" + server.port(); // started in-process, so not in state/server.json: named with --url
        dev.braintrust.cli.CliRun run = dev.braintrust.cli.CliRun.run(env, "sync", "--url", url);
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).startsWith("Asked the server at " + url + " (--url) to sync: ").contains("-> " + next);
        assertThat(json(send("GET", "/api/v1/context", null, "X-API-Key", API_KEY)).path("revision").asText()).isEqualTo(next);
        Map<String, String> wrongKey = new HashMap<>(env);
        wrongKey.put("BRAIN_TRUST_API_KEY", "not-the-key-0123456789abcdef");
        dev.braintrust.cli.CliRun refused = dev.braintrust.cli.CliRun.run(wrongKey, "sync", "--url", url);
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).contains("the server at " + url + " (--url) refused the request (HTTP 403): set BRAIN_TRUST_API_KEY")
                .contains("--once");
    }

    @Test
    void a_body_over_25_mib_is_refused_with_413() throws Exception {
        startCloudServer();
        byte[] big = new byte[25 * 1024 * 1024 + 1];
        java.util.Arrays.fill(big, (byte) ' ');
        HttpResponse<String> r = send("POST", "/api/v1/webhook/sync-context", big, "X-GitHub-Event", "push",
                "X-Hub-Signature-256", "sha256=" + hmac(big));
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(json(r).path("error").asText()).isEqualTo("payload too large");
    }

    /**
     * A client that writes its whole body before it reads (where the one above reads while it writes):
     * had the server answered and closed on 25 MiB it never read, the connection would be reset and
     * the answer lost with it.
     */
    @Test
    void a_client_that_sends_all_of_an_oversize_body_before_reading_still_gets_the_413() throws Exception {
        startCloudServer();
        byte[] big = new byte[25 * 1024 * 1024 + 1];
        java.util.Arrays.fill(big, (byte) ' ');
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(60_000);
            java.io.OutputStream out = socket.getOutputStream();
            out.write(("POST /api/v1/webhook/sync-context HTTP/1.1\r\nHost: 127.0.0.1\r\nX-GitHub-Event: push\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + big.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(big);
            out.flush();
            String statusLine = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
                    StandardCharsets.US_ASCII)).readLine();
            assertThat(statusLine).startsWith("HTTP/1.1 413 ");
        }
    }

    @Test
    void without_a_secret_the_webhook_answers_503_with_how_to_enable_it() throws Exception {
        startCloudServer("WEBHOOK_SECRET", "");
        HttpResponse<String> r = deliver("push", "d", push("refs/heads/main"));
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(json(r).path("detail").asText()).contains("WEBHOOK_SECRET");
    }

    @Test
    void a_server_in_local_mode_answers_409_to_sync_requests() throws Exception {
        Path home = dir.resolve("local");
        new dev.braintrust.home.PaiHome(home).init();
        bt = BrainTrust.open(Config.fromEnv(Map.of("HOME", dir.toString(), "PAI_HOME", home.toString(),
                "BRAIN_TRUST_PORT", "0", "WEBHOOK_SECRET", SECRET)));
        server = new ApiServer(bt).start();
        assertThat(send("POST", "/api/v1/sync", null).statusCode()).isEqualTo(409);
        assertThat(deliver("push", "d", push("refs/heads/main")).statusCode()).isEqualTo(409);
        assertThat(send("POST", "/api/v1/webhook/sync-context", new byte[0], "X-GitHub-Event", "push").statusCode())
                .as("the signature is checked first").isEqualTo(403);
        assertThat(send("GET", "/ready", null).statusCode()).isEqualTo(200);
    }
}
