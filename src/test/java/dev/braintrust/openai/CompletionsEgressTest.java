package dev.braintrust.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.braintrust.context.ContextSelection;
import dev.braintrust.journal.RunRecord;
import dev.braintrust.testing.LlmStandIn;
import dev.braintrust.testing.RunningServer;
import dev.braintrust.testing.TestHome;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The OpenAI-compatible endpoint's agents are model calls: what reaches the model behind them follows
 * the model's destination (a cloud model never gets a {@code privacy: local} file, even when MCP clients
 * are cleared for it), never BRAIN_TRUST_MCP_PRIVACY, and {@code privacy: never} files reach no model.
 * A front-end's housekeeping call answers to the daily budget too.
 */
class CompletionsEgressTest {
    private static final String KEY = "openai-privacy-key-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String HEALTH = "Blood pressure 150/95 since March.";
    private static final String DIARY = "Dear diary, the thing nobody may know.";

    @TempDir
    Path dir;
    @AutoClose
    LlmStandIn llm = new LlmStandIn();
    Path home;
    RunningServer server;

    @BeforeEach
    void home() throws Exception {
        home = TestHome.create(dir.resolve("home"));
        Files.writeString(home.resolve("context/HEALTH.md"), "---\nprivacy: local\n---\n" + HEALTH + "\n");
        Files.writeString(home.resolve("context/DIARY.md"), "---\nprivacy: never\n---\n" + DIARY + "\n");
        llm.script(call -> LlmStandIn.Reply.text("noted"));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private void serve(Map<String, String> env) {
        Map<String, String> all = new HashMap<>(env);
        all.put("BRAIN_TRUST_API_KEY", KEY);
        server = RunningServer.start(home, llm, all);
    }

    private JsonNode complete(String json) throws Exception {
        HttpResponse<String> r = server.post("/v1/chat/completions", json, "Authorization", "Bearer " + KEY);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r.body().startsWith("{") ? JSON.readTree(r.body()) : null;
    }

    @Test
    void a_cloud_model_behind_brain_trust_never_gets_a_local_file_even_when_mcp_clients_may() throws Exception {
        serve(Map.of("BRAIN_TRUST_DEFAULT_MODEL", "gpt-4o-mini", "BRAIN_TRUST_MCP_PRIVACY", "local"));

        complete("""
                {"model": "brain-trust", "messages": [{"role": "user", "content": "How am I doing?"}]}""");
        complete("""
                {"model": "brain-trust", "stream": true, "messages": [{"role": "user", "content": "And now?"}]}""");

        assertThat(llm.calls()).hasSize(2).allSatisfy(call -> {
            assertThat(call.wire()).isEqualTo(LlmStandIn.Wire.OPENAI);
            assertThat(call.system()).contains(TestHome.MISSION).contains(ContextSelection.WITHHELD_NOTICE)
                    .doesNotContain(HEALTH).doesNotContain(DIARY).doesNotContain("privacy:");
            assertThat(call.body().toString()).doesNotContain(HEALTH).doesNotContain(DIARY);
        });
        RunRecord run = server.brainTrust.runs().get(server.brainTrust.runs().list(1, 0).get(0).id());
        assertThat(run.steps().get(0).context().withheld()).extracting(w -> w.name() + " " + w.privacy())
                .containsExactly("DIARY.md never", "HEALTH.md local");
    }

    @Test
    void a_housekeeping_call_is_refused_once_the_days_budget_is_spent_and_no_model_is_called() throws Exception {
        serve(Map.of("BRAIN_TRUST_DEFAULT_MODEL", "gpt-4o-mini", "BRAIN_TRUST_DAILY_BUDGET", "1000 tokens"));
        llm.script(call -> LlmStandIn.Reply.text("noted").usage(990, 10));
        complete("""
                {"model": "brain-trust", "messages": [{"role": "user", "content": "Hi"}]}"""); // the day's 1,000 tokens used
        int calls = llm.calls().size();

        HttpResponse<String> title = server.post("/v1/chat/completions", """
                {"model": "brain-trust", "metadata": {"task": "title_generation"}, "messages": [{"role": "user", "content": "hi"}]}""",
                "Authorization", "Bearer " + KEY);

        assertThat(title.statusCode()).as(title.body()).isEqualTo(503);
        assertThat(title.body()).contains("today's budget of 1,000 tokens (BRAIN_TRUST_DAILY_BUDGET) is spent");
        assertThat(llm.calls()).hasSize(calls);
    }

    @Test
    void a_saved_workflow_on_a_local_model_gets_the_local_file_but_not_a_never_file() throws Exception {
        serve(Map.of("BRAIN_TRUST_DEFAULT_MODEL", "ollama:llama3.2"));

        complete("""
                {"model": "workflow/research-brief", "messages": [{"role": "user", "content": "sleep and blood pressure"}]}""");

        assertThat(llm.calls()).isNotEmpty().allSatisfy(call -> {
            assertThat(call.wire()).isEqualTo(LlmStandIn.Wire.OLLAMA);
            assertThat(call.system()).contains(HEALTH).doesNotContain(DIARY).doesNotContain("privacy:")
                    .doesNotContain(ContextSelection.WITHHELD_NOTICE);
        });
    }
}
