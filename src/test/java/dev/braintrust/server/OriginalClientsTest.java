package dev.braintrust.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.braintrust.Json;
import dev.braintrust.testing.LlmStandIn;
import dev.braintrust.testing.LlmStandIn.Reply;
import dev.braintrust.testing.TestHome;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The original Brain Trust's Next.js UI, as the README's "Coming from the original" section sets it up
 * ({@code BRAIN_TRUST_CORS_ORIGINS=http://localhost:3000} and the key in {@code X-API-Key}): its
 * requests, in the shape its page sends them (node data with its own fields: status, files, presetId).
 */
class OriginalClientsTest {
    static final String UI = "http://localhost:3000";
    static final String KEY = "the-key-in-next-public-brain-trust-api-key";
    /** The three agents of the original UI's opening canvas, with the fields its page adds to each node. */
    static final String CANVAS = """
            {"nodes": [
              {"id": "librarian-init", "type": "agentNode", "position": {"x": 50, "y": 100},
               "data": {"name": "The Librarian", "role": "Librarian", "goal": "Find the character profile",
                        "backstory": "A meticulous file navigator.", "status": "thinking", "model": "gemini-2.0-flash",
                        "files": [], "presetId": "librarian"}},
              {"id": "first-draft-init", "type": "agentNode", "position": {"x": 400, "y": 100},
               "data": {"name": "First Draft Writer", "role": "Creative Writer", "goal": "Write a compelling scene",
                        "backstory": "A creative fiction writer.", "status": "thinking", "model": "gemini-2.0-flash",
                        "files": [], "presetId": "first-draft"}},
              {"id": "dev-editor-init", "type": "agentNode", "position": {"x": 750, "y": 100},
               "data": {"name": "Dev Editor", "role": "Developmental Editor", "goal": "Review the scene for structure and pacing.",
                        "backstory": "A critical editor focused on story arcs.", "status": "thinking", "model": "claude-3-5-sonnet",
                        "files": [], "presetId": "dev-editor"}}],
             "edges": [
              {"id": "e1-2", "source": "librarian-init", "target": "first-draft-init", "animated": true, "style": {"stroke": "#06b6d4"}},
              {"id": "e2-3", "source": "first-draft-init", "target": "dev-editor-init", "animated": true}]}
            """;

    @TempDir
    Path dir;
    @AutoClose
    final LlmStandIn llm = new LlmStandIn();

    @Test
    void the_original_uis_run_and_chat_work_once_its_origin_is_allowed_and_a_failure_is_its_500() throws Exception {
        Path home = TestHome.create(dir.resolve("home"));
        TestHome.noSkills(home);
        llm.script(call -> Reply.text("from " + call.model()));
        try (TestServer t = TestServer.start(home, TestHome.env(home, llm,
                Map.of("BRAIN_TRUST_CORS_ORIGINS", UI, "BRAIN_TRUST_API_KEY", KEY)))) {
            HttpResponse<String> preflight = t.send(HttpRequest.newBuilder(t.uri("/api/v1/run-workflow"))
                    .method("OPTIONS", HttpRequest.BodyPublishers.noBody()), "Origin", UI,
                    "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "content-type,x-api-key");
            assertThat(preflight.statusCode()).isEqualTo(200);
            assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).hasValue(UI);
            assertThat(preflight.headers().firstValue("Access-Control-Allow-Headers").orElse("").toLowerCase()).contains("x-api-key");

            HttpResponse<String> run = t.post("/api/v1/run-workflow", CANVAS, "Origin", UI, "X-API-Key", KEY);
            assertThat(run.statusCode()).as(run.body()).isEqualTo(200);
            assertThat(run.headers().firstValue("Access-Control-Allow-Origin")).hasValue(UI);
            JsonNode result = Json.mapper().readTree(run.body());
            assertThat(result.path("status").asText()).isEqualTo("success");
            assertThat(result.path("final_output").asText()).isEqualTo("from claude-sonnet-4-5");
            assertThat(result.path("agent_count").asInt()).isEqualTo(3);
            assertThat(llm.calls().get(2).system()).endsWith("# AGENT INSTRUCTIONS\nYou are Developmental Editor.\n"
                    + "A critical editor focused on story arcs.\nYour personal goal is: Review the scene for structure and pacing.\n");

            HttpResponse<String> chat = t.post("/api/v1/chat", """
                    {"message": "Who is Arun?", "context": "USER: hello",
                     "agent_config": {"name": "Dev Editor", "role": "Developmental Editor", "goal": "Review scenes",
                                      "backstory": "A critical editor.", "status": "idle", "model": "claude-3-5-sonnet", "files": []}}
                    """, "Origin", UI, "X-API-Key", KEY);
            assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
            assertThat(Json.mapper().readTree(chat.body()).path("response").asText()).isEqualTo("from claude-sonnet-4-5");

            llm.script(call -> Reply.error(500, "{\"error\":{\"message\":\"the provider is down\"}}"));
            HttpResponse<String> failed = t.post("/api/v1/run-workflow", CANVAS, "Origin", UI, "X-API-Key", KEY);
            assertThat(failed.statusCode()).isEqualTo(500);
            assertThat(Json.mapper().readTree(failed.body()).path("status").asText()).isEqualTo("error");

            HttpResponse<String> root = t.get("/", "Accept", "application/json");
            assertThat(Json.mapper().readTree(root.body()).path("status").asText()).isEqualTo("active");
        }
    }
}
