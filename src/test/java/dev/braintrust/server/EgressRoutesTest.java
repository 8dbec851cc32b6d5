package dev.braintrust.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.braintrust.testing.LlmStandIn;
import dev.braintrust.testing.LlmStandIn.Reply;
import dev.braintrust.testing.TestHome;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** What leaves the machine, over real HTTP: the ledger in a run, usage sums, privacy in the context, metrics. */
class EgressRoutesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "test-api-key-123";
    private static final String TWO = """
            {"name": "Two", "nodes": [
              {"id": "c", "type": "agentNode", "data": {"name": "Cloud", "goal": "Write a haiku", "model": "gpt-4o-mini"}},
              {"id": "l", "type": "agentNode", "data": {"name": "Local", "goal": "Polish it", "model": "ollama:llama3.2"}}],
             "edges": [{"source": "c", "target": "l"}]}
            """;

    @TempDir
    Path dir;
    private final LlmStandIn llm = new LlmStandIn();
    private TestServer server;

    @BeforeEach
    void start() throws Exception {
        Path home = TestHome.create(dir.resolve("home"));
        TestHome.noSkills(home);
        Files.writeString(home.resolve("context/HEALTH.md"), "---\nprivacy: local\n---\nPrivate.\n");
        llm.script(call -> call.wire() == LlmStandIn.Wire.OLLAMA ? Reply.text("polished").withoutUsage()
                : Reply.text("haiku").usage(1_000_000, 1_000_000));
        server = TestServer.start(home, TestHome.env(home, llm, Map.of("BRAIN_TRUST_API_KEY", KEY,
                "BRAIN_TRUST_DAILY_BUDGET", "1.00, 5000000 tokens")));
    }

    @AfterEach
    void stop() {
        server.close();
        llm.close();
    }

    private JsonNode get(String path) throws Exception {
        HttpResponse<String> r = server.get(path, "X-API-Key", KEY);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private String runTwo() throws Exception {
        HttpResponse<String> r = server.post("/api/v1/run-workflow", TWO, "X-API-Key", KEY);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body()).get("runId").asText();
    }

    @Test
    void a_run_carries_its_egress_ledger_tokens_and_context_per_step() throws Exception {
        JsonNode run = get("/api/v1/runs/" + runTwo());

        JsonNode cloud = run.path("steps").get(0);
        assertThat(cloud.path("context").path("withheld").get(0).path("name").asText()).isEqualTo("HEALTH.md");
        assertThat(cloud.path("context").path("local").asBoolean()).isFalse();
        JsonNode call = cloud.path("modelCalls").get(0);
        assertThat(call.path("provider").asText()).isEqualTo("openai");
        assertThat(call.path("bytesSent").asLong()).isEqualTo(llm.calls().get(0).bodyBytes());
        assertThat(call.path("contextFiles")).extracting(f -> f.path("name").asText())
                .containsExactly("MISSION.md", "GOALS.md", "BELIEFS.md", "IDENTITY.md");
        assertThat(call.path("contextFiles").get(0).path("sha256").asText()).hasSize(64);
        assertThat(call.path("tokens").asInt()).isEqualTo(2_000_000);
        assertThat(call.path("cost").asDouble()).isEqualTo(0.75); // gpt-4o-mini: 0.15 + 0.60 per million
        assertThat(call.path("currency").asText()).isEqualTo("USD");
        assertThat(call.has("estimatedInputTokens")).isFalse();

        JsonNode local = run.path("steps").get(1);
        assertThat(local.path("context").path("received")).extracting(JsonNode::asText).contains("HEALTH.md");
        assertThat(local.path("tokens").asText()).isEqualTo("unknown");
        assertThat(local.path("inputTokens").isNull()).isTrue();
        assertThat(local.path("modelCalls").get(0).path("upstream").get(0).path("agent").asText()).isEqualTo("Cloud");

        assertThat(run.path("usage").path("modelCalls").asInt()).isEqualTo(2);
        assertThat(run.path("usage").path("unreportedCalls").asInt()).isEqualTo(1);
        assertThat(run.path("usage").path("tokens").asLong()).isEqualTo(2_000_000);
        assertThat(run.path("usage").path("bytesSent").asLong())
                .isEqualTo(llm.calls().stream().mapToLong(LlmStandIn.Call::bodyBytes).sum());
    }

    @Test
    void usage_sums_the_period_and_shows_todays_spend_against_the_daily_budget() throws Exception {
        runTwo();

        JsonNode usage = get("/api/v1/usage?since=today");

        assertThat(usage.path("period").path("total").path("modelCalls").asInt()).isEqualTo(2);
        assertThat(usage.path("period").path("byProvider")).extracting(g -> g.path("key").asText()).containsExactly("ollama", "openai");
        assertThat(usage.path("period").path("files")).anySatisfy(f -> {
            assertThat(f.path("file").asText()).isEqualTo("HEALTH.md");
            assertThat(f.path("provider").asText()).isEqualTo("ollama");
        });
        assertThat(usage.path("period").path("files")).noneSatisfy(f -> {
            assertThat(f.path("file").asText()).isEqualTo("HEALTH.md");
            assertThat(f.path("provider").asText()).isEqualTo("openai");
        });
        JsonNode today = usage.path("today");
        assertThat(today.path("spent").path("cost").asDouble()).isEqualTo(0.75);
        assertThat(today.path("budget").path("cost").asDouble()).isEqualTo(1.0);
        assertThat(today.path("budget").path("tokens").asLong()).isEqualTo(5_000_000);
        assertThat(today.path("currency").asText()).isEqualTo("USD");
        assertThat(today.path("exhausted").isNull()).isTrue();

        // the cloud agent spends 0.75 more (1.50 in all); the local agent is stopped before its model call: a failed run, 500
        HttpResponse<String> second = server.post("/api/v1/run-workflow", TWO, "X-API-Key", KEY);
        assertThat(second.statusCode()).as(second.body()).isEqualTo(500);
        assertThat(JSON.readTree(second.body()).path("runStatus").asText()).isEqualTo("budget");
        JsonNode after = get("/api/v1/usage?since=7d").path("today");
        assertThat(after.path("exhausted").isNull()).isFalse();

        HttpResponse<String> bad = server.get("/api/v1/usage?since=forever", "X-API-Key", KEY);
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(server.get("/api/v1/usage").statusCode()).isEqualTo(401);
    }

    @Test
    void a_run_over_the_daily_budget_answers_with_status_budget_and_the_numbers() throws Exception {
        runTwo();
        HttpResponse<String> r = server.post("/api/v1/run-workflow", TWO, "X-API-Key", KEY);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.path("status").asText()).isEqualTo("error");
        assertThat(body.path("runStatus").asText()).isEqualTo("budget");
        assertThat(body.path("error").asText()).contains("today's budget of 1.0000 USD (BRAIN_TRUST_DAILY_BUDGET)")
                .contains("have cost 1.5000 USD");
        assertThat(llm.requestCount()).isEqualTo(3); // cloud ran once more, then the local agent was stopped
    }

    @Test
    void the_context_lists_each_files_tier_and_never_serves_front_matter() throws Exception {
        JsonNode context = get("/api/v1/context");
        assertThat(context.path("files")).anySatisfy(f -> {
            assertThat(f.path("name").asText()).isEqualTo("HEALTH.md");
            assertThat(f.path("privacy").asText()).isEqualTo("local");
        });
        assertThat(context.path("files").get(0).path("privacy").asText()).isEqualTo("public");
        assertThat(server.get("/api/v1/context/HEALTH", "X-API-Key", KEY).body()).isEqualTo("Private.");
        String prompt = get("/api/v1/prompt?instructions=You%20edit.").path("prompt").asText();
        assertThat(prompt).doesNotContain("Private.").contains(dev.braintrust.context.ContextSelection.WITHHELD_NOTICE)
                .endsWith("You edit.\n");
    }

    @Test
    void metrics_count_tokens_cost_and_bytes_by_provider_and_model() throws Exception {
        runTwo();
        String m = server.get("/metrics", "X-API-Key", KEY).body();
        assertThat(MetricsTest.value(m, "braintrust_model_tokens_total{direction=\"input\",model=\"gpt-4o-mini\",provider=\"openai\"}"))
                .isEqualTo(1_000_000);
        assertThat(MetricsTest.value(m, "braintrust_model_tokens_total{direction=\"output\",model=\"gpt-4o-mini\",provider=\"openai\"}"))
                .isEqualTo(1_000_000);
        assertThat(MetricsTest.value(m, "braintrust_model_cost_total{currency=\"USD\",model=\"gpt-4o-mini\",provider=\"openai\"}"))
                .isEqualTo(0.75);
        assertThat(MetricsTest.value(m, "braintrust_model_calls_total{model=\"ollama:llama3.2\",outcome=\"ok\",provider=\"ollama\",usage=\"unknown\"}"))
                .isEqualTo(1);
        assertThat(MetricsTest.value(m, "braintrust_model_request_bytes_total{model=\"gpt-4o-mini\",provider=\"openai\"}"))
                .isEqualTo(llm.calls().get(0).bodyBytes());
        assertThat(m).doesNotContain("braintrust_model_tokens_total{direction=\"input\",model=\"ollama:llama3.2\"");
    }
}
