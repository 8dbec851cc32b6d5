package dev.braintrust.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.braintrust.BrainTrustException;
import dev.braintrust.Json;
import dev.braintrust.journal.JournalEntry;
import dev.braintrust.testing.Poll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ApiServerTest {
    @TempDir
    Path home;
    TestServer t;

    @BeforeEach
    void start() {
        t = TestServer.start(home);
    }

    @AfterEach
    void stop() {
        t.close();
    }

    static JsonNode json(HttpResponse<String> response) throws IOException {
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        return Json.mapper().readTree(response.body());
    }

    static void assertError(HttpResponse<String> response, int status, String error) throws IOException {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        JsonNode body = json(response);
        assertThat(body.path("error").asText()).isEqualTo(error);
        assertThat(body.path("detail").asText()).isNotBlank();
        assertThat(response.body()).doesNotContain("\tat ", "Exception", ".java:");
    }

    @Test
    void health_answers_ok() throws Exception {
        HttpResponse<String> r = t.get("/health");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(json(r).path("status").asText()).isEqualTo("ok");
    }

    @Test
    void the_push_rendering_renders_a_context_and_a_webhook_answer_with_the_server_s_mappers() {
        // a mapper without the server's modules fails on the snapshot's times: the warm-up would then end at its first push
        dev.braintrust.sync.PushRendering rendering = t.server.pushRendering();
        rendering.context(t.brainTrust.context().snapshot());
        java.util.Map<String, Object> steps = new java.util.LinkedHashMap<>(Map.of("lock", 0.25, "fetch: refs", 1.5));
        rendering.webhookAnswer(java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(Map.of("status", "synced",
                "revision", "a".repeat(40), "changed", List.of("context/GOALS.md"), "durationMs", 3L, "stepsMs", steps))));
    }

    @Test
    void ready_once_a_first_snapshot_has_loaded() throws Exception {
        HttpResponse<String> r = t.get("/ready");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode body = json(r);
        assertThat(body.path("status").asText()).isEqualTo("ready");
        assertThat(body.path("checks").path("context").asText()).isEqualTo("ok");
        assertThat(t.brainTrust.context().loadCount()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void ready_reports_every_added_condition_and_is_503_while_one_fails() throws Exception {
        String[] problem = {"the first sync has not finished"};
        t.server.readiness().require("sync", () -> problem[0]);
        HttpResponse<String> r = t.get("/ready");
        assertThat(r.statusCode()).isEqualTo(503);
        JsonNode body = json(r);
        assertThat(body.path("status").asText()).isEqualTo("not_ready");
        assertThat(body.path("error").asText()).isEqualTo("service_unavailable");
        assertThat(body.path("detail").asText()).contains("sync: the first sync has not finished");
        assertThat(body.path("checks").path("context").asText()).isEqualTo("ok");
        problem[0] = null;
        assertThat(t.get("/ready").statusCode()).isEqualTo(200);
    }

    @Test
    void status_reports_mode_revision_age_skills_and_providers_without_keys() throws Exception {
        HttpResponse<String> r = t.get("/api/v1/status");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode body = json(r);
        assertThat(body.path("mode").asText()).isEqualTo("local");
        assertThat(body.path("home").asText()).isEqualTo(home.toAbsolutePath().normalize().toString());
        assertThat(body.path("revision").asText()).isEqualTo(t.brainTrust.context().snapshot().revision());
        assertThat(body.path("contextAgeSeconds").asLong()).isBetween(0L, 60L);
        assertThat(body.path("skillCount").asInt()).isEqualTo(3);
        assertThat(body.path("skills").toString()).contains("calculator", "current_time", "word_count");
        assertThat(body.path("timeZone").asText()).isEqualTo(java.time.ZoneId.systemDefault().getId());
    }

    @Test
    void status_lists_ollama_only_when_it_answers_and_says_when_the_default_model_cannot_run(@TempDir Path otherHome)
            throws Exception {
        String closed;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            closed = "http://127.0.0.1:" + socket.getLocalPort();
        }
        try (TestServer s = TestServer.start(otherHome, Map.of("OLLAMA_BASE_URL", closed))) {
            JsonNode body = json(s.get("/api/v1/status"));
            assertThat(body.path("providers")).isEmpty();
            JsonNode models = body.path("models");
            assertThat(models.path("defaultModel").asText()).isEqualTo("gpt-4o-mini");
            assertThat(models.path("defaultProblem").asText()).isEqualTo("the default model gpt-4o-mini needs OpenAI, which has no key");
            assertThat(models.path("fixes").toString()).contains("Set OPENAI_API_KEY", "OPENAI_BASE_URL",
                    "BRAIN_TRUST_DEFAULT_MODEL=ollama:llama3.2");
            assertThat(models.path("ollama").asText()).startsWith("does not answer at " + closed + " (OLLAMA_BASE_URL)");
            assertThat(models.path("aliases").path("claude-3-5-sonnet").asText()).isEqualTo("claude-sonnet-4-5");
            assertThat(body.path("warnings").toString()).contains("no model can run for agents that name none");
        }
        try (dev.braintrust.testing.LlmStandIn ollama = new dev.braintrust.testing.LlmStandIn();
             TestServer s = TestServer.start(otherHome, Map.of("OLLAMA_BASE_URL", ollama.ollamaBaseUrl(),
                     "BRAIN_TRUST_DEFAULT_MODEL", "ollama:llama3.2"))) {
            JsonNode body = json(s.get("/api/v1/status"));
            assertThat(body.path("providers").toString()).isEqualTo("[\"ollama\"]");
            assertThat(body.path("models").path("defaultProblem").isNull()).isTrue();
            assertThat(body.path("models").path("defaultRoute").asText()).isEqualTo("ollama:llama3.2 (Ollama)");
            assertThat(body.path("models").path("ollama").asText()).contains("1 model: llama3.2:latest");
            assertThat(body.path("warnings").toString()).doesNotContain("no model can run");
            assertThat(ollama.requestCount()).as("a probe is no model call").isZero();
        }
    }

    @Test
    void context_lists_revision_and_files_with_sizes_and_hashes() throws Exception {
        HttpResponse<String> r = t.get("/api/v1/context");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode body = json(r);
        assertThat(body.path("revision").asText()).isEqualTo(t.brainTrust.context().snapshot().revision());
        assertThat(Instant.parse(body.path("loadedAt").asText())).isBeforeOrEqualTo(Instant.now());
        JsonNode mission = body.path("files").get(0);
        assertThat(mission.path("name").asText()).isEqualTo("MISSION.md");
        assertThat(mission.path("bytes").asLong()).isEqualTo(Files.size(home.resolve("context/MISSION.md")));
        assertThat(mission.path("sha256").asText()).hasSize(64);
        assertThat(body.path("files")).hasSize(4);
    }

    @Test
    void cached_context_reads_do_not_reload_and_an_edit_after_invalidate_is_seen() throws Exception {
        long loads = t.brainTrust.context().loadCount();
        String first = t.get("/api/v1/context").body();
        assertThat(t.get("/api/v1/context").body()).isEqualTo(first);
        assertThat(t.brainTrust.context().loadCount()).isEqualTo(loads);

        Files.writeString(home.resolve("context/RESEARCH.md"), "# Research\nQuantum gardening.\n");
        HttpResponse<String> inv = t.post("/api/v1/context/invalidate", "");
        assertThat(inv.statusCode()).isEqualTo(200);
        JsonNode body = json(inv);
        assertThat(body.path("changed").asBoolean()).isTrue();
        assertThat(body.path("revision").asText()).isNotEqualTo(body.path("previous").asText());
        assertThat(t.get("/api/v1/context").body()).contains("RESEARCH.md").contains(body.path("revision").asText());
        assertThat(t.get("/api/v1/context/RESEARCH").body()).contains("Quantum gardening.");
    }

    @Test
    void one_context_file_is_its_markdown_by_name_with_or_without_extension() throws Exception {
        HttpResponse<String> r = t.get("/api/v1/context/MISSION.md");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/markdown"));
        assertThat(r.headers().firstValue("X-Context-Revision")).hasValue(t.brainTrust.context().snapshot().revision());
        assertThat(r.body()).isEqualTo(Files.readString(home.resolve("context/MISSION.md")).strip());
        assertThat(t.get("/api/v1/context/MISSION").body()).isEqualTo(r.body());
    }

    @Test
    void an_unknown_context_file_is_404() throws Exception {
        assertError(t.get("/api/v1/context/NOPE.md"), 404, "not_found");
    }

    @Test
    void skills_are_listed_with_parameters_and_skipped_scripts() throws Exception {
        Files.writeString(home.resolve("skills/notes.sh"), "#!/bin/sh\necho hi\n");
        t.brainTrust.skills().invalidate();
        HttpResponse<String> r = t.get("/api/v1/skills");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode body = json(r);
        assertThat(body.path("skills").findValuesAsText("name")).contains("calculator", "current_time", "word_count");
        JsonNode calculator = body.path("skills").get(0);
        assertThat(calculator.path("name").asText()).isEqualTo("calculator");
        assertThat(calculator.path("params").get(0).path("name").asText()).isEqualTo("expression");
        assertThat(calculator.path("file").asText()).isEqualTo("calculator.py");
        assertThat(body.path("skipped").get(0).path("file").asText()).isEqualTo("notes.sh");
        assertThat(body.path("skipped").get(0).path("reason").asText()).contains("chmod +x");
        assertThat(calculator.path("env").isArray()).isTrue();
        assertThat(body.path("passed").toString()).contains("\"PATH\"", "\"HOME\"", "\"LANG\"");
        assertThat(body.path("isolation").asText()).isIn("namespace", "session");
    }

    @Test
    void skills_are_listed_with_the_variables_they_declare_and_whether_each_is_set() throws Exception {
        Path script = home.resolve("skills/search.sh");
        Files.writeString(script, "#!/bin/sh\n# ENV: PAI_HOME, MISSING_KEY\n");
        Files.setPosixFilePermissions(script, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        t.brainTrust.skills().invalidate();
        JsonNode search = null;
        for (JsonNode skill : json(t.get("/api/v1/skills")).path("skills")) {
            if (skill.path("name").asText().equals("search")) {
                search = skill;
            }
        }
        assertThat(search).isNotNull();
        assertThat(search.path("env").toString()).isEqualTo("[{\"name\":\"PAI_HOME\",\"set\":true},{\"name\":\"MISSING_KEY\",\"set\":false}]");
    }

    @Test
    void a_skill_runs_with_json_arguments_and_answers_output_exit_code_duration_and_truncation() throws Exception {
        HttpResponse<String> r = t.post("/api/v1/skills/word_count/run", "{\"args\":{\"text\":\"one two three\"}}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = json(r);
        assertThat(body.path("skill").asText()).isEqualTo("word_count");
        assertThat(body.path("ok").asBoolean()).isTrue();
        assertThat(body.path("outcome").asText()).isEqualTo("ok");
        assertThat(body.path("exitCode").asInt()).isZero();
        assertThat(body.path("output").asText()).contains("3");
        assertThat(body.path("truncated").asBoolean()).isFalse();
        assertThat(body.has("durationMs")).isTrue();
    }

    @Test
    void a_failing_skill_is_reported_as_a_run_that_failed() throws Exception {
        Path script = home.resolve("skills/fails.sh");
        Files.writeString(script, "#!/bin/sh\n# NAME: fails\necho broken >&2\nexit 3\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        t.brainTrust.skills().invalidate();
        JsonNode body = json(t.post("/api/v1/skills/fails/run", ""));
        assertThat(body.path("ok").asBoolean()).isFalse();
        assertThat(body.path("outcome").asText()).isEqualTo("failed");
        assertThat(body.path("exitCode").asInt()).isEqualTo(3);
        assertThat(body.path("stderr").asText()).contains("broken");
    }

    @Test
    void skill_run_errors_are_400_for_bad_arguments_and_404_for_unknown_skills() throws Exception {
        assertError(t.post("/api/v1/skills/word_count/run", "{\"args\":{\"nope\":\"x\"}}"), 400, "bad_request");
        assertError(t.post("/api/v1/skills/word_count/run", "{\"args\":{\"text\":{\"nested\":1}}}"), 400, "bad_request");
        assertError(t.post("/api/v1/skills/word_count/run", "[1,2]"), 400, "bad_request");
        assertError(t.post("/api/v1/skills/word_count/run", "{}"), 400, "bad_request"); // its text parameter is required
        assertError(t.post("/api/v1/skills/nope/run", "{}"), 404, "not_found");
    }

    @Test
    void malformed_json_is_400_naming_where_it_broke() throws Exception {
        HttpResponse<String> r = t.post("/api/v1/skills/word_count/run", "{\"args\": {\"text\": ");
        assertError(r, 400, "bad_request");
        assertThat(json(r).path("detail").asText()).contains("not valid JSON").contains("line 1");
    }

    @Test
    void a_body_over_the_limit_is_413() throws Exception {
        String big = "{\"args\":{\"text\":\"" + "a".repeat(JsonBodies.DEFAULT_LIMIT + 10) + "\"}}";
        assertError(t.post("/api/v1/skills/word_count/run", big), 413, "content_too_large");
    }

    @Test
    void a_chunked_body_over_the_limit_is_413_too() throws Exception {
        byte[] chunk = "a".repeat(64 * 1024).getBytes();
        List<byte[]> chunks = java.util.Collections.nCopies(JsonBodies.DEFAULT_LIMIT / chunk.length + 2, chunk);
        HttpResponse<String> r = t.send(HttpRequest.newBuilder(t.uri("/api/v1/skills/word_count/run"))
                .POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofByteArrays(chunks)))); // no length: chunked
        assertError(r, 413, "content_too_large");
    }

    @Test
    void logs_list_the_days_and_serve_one_day_as_markdown() throws Exception {
        assertThat(json(t.get("/api/v1/logs")).path("days")).isEmpty();
        Instant at = Instant.parse("2026-01-31T10:15:00Z");
        t.brainTrust.journal().append(new JournalEntry(at, "research brief", "succeeded", Duration.ofSeconds(3), "abc123",
                List.of("Researcher", "Writer"), "run-1", "All done."));
        String day = at.atZone(t.brainTrust.clock().getZone()).toLocalDate().toString();
        assertThat(json(t.get("/api/v1/logs")).path("days").get(0).asText()).isEqualTo(day);
        HttpResponse<String> r = t.get("/api/v1/logs/" + day);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/markdown"));
        assertThat(r.body()).contains("research brief", "Researcher, Writer", "abc123", "All done.");
    }

    @Test
    void a_day_without_a_journal_is_404_and_a_bad_date_is_400() throws Exception {
        assertError(t.get("/api/v1/logs/2020-01-01"), 404, "not_found");
        assertError(t.get("/api/v1/logs/2020-02-31"), 400, "bad_request");
        assertError(t.get("/api/v1/logs/yesterday"), 400, "bad_request");
    }

    @Test
    void an_unknown_route_is_a_json_404() throws Exception {
        assertError(t.get("/api/v1/nothing-here"), 404, "not_found");
        assertError(t.get("/no-such-page"), 404, "not_found");
    }

    @Test
    void a_wrong_method_is_a_json_405_with_allow() throws Exception {
        HttpResponse<String> r = t.post("/api/v1/context", "{}");
        assertError(r, 405, "method_not_allowed");
        assertThat(r.headers().firstValue("Allow")).hasValue("GET");
        HttpResponse<String> g = t.get("/api/v1/context/invalidate");
        assertError(g, 404, "not_found"); // GET /api/v1/context/{name} matches: there is no invalidate.md
        HttpResponse<String> d = t.send(HttpRequest.newBuilder(t.uri("/api/v1/skills")).DELETE());
        assertError(d, 405, "method_not_allowed");
    }

    @Test
    void jetty_level_rejections_are_json_too() throws Exception {
        TestServer.RawResponse r = t.raw("GET", "/api/v1/context/MISSION.md%00");
        assertThat(r.status()).isEqualTo(400);
        assertThat(Json.mapper().readTree(r.body()).path("error").asText()).isEqualTo("bad_request");
    }

    @Test
    void an_unexpected_failure_is_a_500_with_an_incident_id_and_no_stack_trace(@TempDir Path otherHome) throws Exception {
        try (TestServer broken = TestServer.start(otherHome, Map.of(),
                routes -> routes.get("/api/v1/explode", ctx -> {
                    throw new IllegalStateException("internal detail that must not leak");
                }))) {
            HttpResponse<String> r = broken.get("/api/v1/explode");
            assertError(r, 500, "internal_server_error");
            assertThat(r.body()).doesNotContain("internal detail", "IllegalStateException");
            assertThat(json(r).path("detail").asText()).containsPattern("incident [0-9a-f]{8}");
        }
    }

    @Test
    void unavailable_services_are_503(@TempDir Path otherHome) throws Exception {
        try (TestServer s = TestServer.start(otherHome, Map.of(),
                routes -> routes.get("/api/v1/remote", ctx -> {
                    throw new BrainTrustException.Unavailable("the remote did not answer; retrying in 30 s");
                }))) {
            HttpResponse<String> r = s.get("/api/v1/remote");
            assertError(r, 503, "service_unavailable");
            assertThat(json(r).path("detail").asText()).isEqualTo("the remote did not answer; retrying in 30 s");
        }
    }

    @Test
    void in_flight_requests_finish_when_the_server_stops(@TempDir Path otherHome) throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        TestServer s = TestServer.start(otherHome, Map.of(), routes -> routes.get("/api/v1/slow", ctx -> {
            entered.countDown();
            release.await(30, TimeUnit.SECONDS);
            ctx.result("finished");
        }));
        int port = s.server.port();
        CompletableFuture<HttpResponse<String>> inFlight = s.http.sendAsync(
                HttpRequest.newBuilder(s.uri("/api/v1/slow")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Void> closing = CompletableFuture.runAsync(s::close);
        Poll.until(Duration.ofSeconds(10), "new connections are refused while stopping", () -> !accepts(port));
        assertThat(closing).isNotDone();
        release.countDown();
        HttpResponse<String> r = inFlight.get(10, TimeUnit.SECONDS);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("finished");
        closing.get(10, TimeUnit.SECONDS);
    }

    private static boolean accepts(int port) {
        try (Socket ignored = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void a_busy_port_is_refused_with_a_message_saying_what_to_do(@TempDir Path otherHome) throws Exception {
        try (ServerSocket busy = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            assertThatThrownBy(() -> TestServer.start(otherHome, Map.of("BRAIN_TRUST_PORT", Integer.toString(busy.getLocalPort()))))
                    .isInstanceOf(BrainTrustException.Unavailable.class)
                    .hasMessageContaining(Integer.toString(busy.getLocalPort()))
                    .hasMessageContaining("--port");
        }
    }
}
