package dev.braintrust.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.braintrust.testing.LlmStandIn;
import dev.braintrust.testing.LlmStandIn.Reply;
import dev.braintrust.testing.TestHome;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The command line's view of what leaves the machine: dry run, run summary, status and egress. */
class EgressCommandTest {
    private static final String PAIR = """
            {"name": "Pair", "nodes": [
              {"id": "w", "type": "agentNode", "data": {"name": "Writer", "goal": "Write a haiku", "model": "claude-sonnet-4-5"}},
              {"id": "h", "type": "agentNode", "data": {"name": "Homebody", "goal": "Read my notes", "model": "ollama:llama3.2"}}],
             "edges": []}
            """;

    @TempDir
    Path dir;
    @AutoClose
    private final LlmStandIn llm = new LlmStandIn();
    private Path home;
    private Path workflow;

    @BeforeEach
    void home() throws IOException {
        home = TestHome.create(dir.resolve("home"));
        TestHome.noSkills(home);
        Files.writeString(home.resolve("context/HEALTH.md"), "---\nprivacy: local\n---\nPrivate.\n");
        Files.writeString(home.resolve("context/DIARY.md"), "---\nprivacy: never\n---\nSecret.\n");
        Files.writeString(home.resolve("workflows/pair.json"), PAIR);
        workflow = home.resolve("workflows/pair.json");
        llm.script(call -> Reply.text("fine").usage(2_000_000, 100_000));
    }

    private Map<String, String> env(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(extra);
        return TestHome.env(home, llm, env);
    }

    @Test
    void the_dry_run_says_per_agent_what_it_receives_and_what_is_withheld() {
        Map<String, String> env = env(Map.of());
        env.remove("ANTHROPIC_BASE_URL");
        env.remove("OLLAMA_BASE_URL"); // the providers' own addresses, as a dry run calls nothing
        CliRun r = CliRun.run(env, "run", "--dry-run", workflow.toString());

        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("Sends to api.anthropic.com: MISSION.md, GOALS.md, BELIEFS.md, IDENTITY.md; "
                + "withheld: DIARY.md (never), HEALTH.md (local)");
        assertThat(r.out()).contains("Sends to localhost:11434 (local: receives privacy: local files): MISSION.md, GOALS.md, "
                + "BELIEFS.md, IDENTITY.md, HEALTH.md; withheld: DIARY.md (never)");
        assertThat(r.out()).doesNotContain("Secret.").doesNotContain("privacy: never\n");
    }

    @Test
    void status_shows_the_tiers_and_what_each_agent_of_the_saved_workflows_receives() {
        String standIn = dev.braintrust.workflow.ModelDestinationsTest.hostOf(llm.ollamaBaseUrl());
        CliRun r = CliRun.run(env(Map.of("BRAIN_TRUST_DAILY_BUDGET", "5")), "status");

        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("Privacy:     DIARY.md never (sent to no model), HEALTH.md local (only to local models); "
                        + "the others public")
                .contains("MCP:       clients receive public files (BRAIN_TRUST_MCP_PRIVACY)")
                .contains("agents:    pair / Writer (claude-sonnet-4-5) — Sends to " + standIn + ": MISSION.md, GOALS.md, "
                        + "BELIEFS.md, IDENTITY.md; withheld: DIARY.md (never), HEALTH.md (local)")
                .contains("agents:    pair / Homebody (ollama:llama3.2) — Sends to " + standIn + " (local: receives privacy: "
                        + "local files): MISSION.md, GOALS.md, BELIEFS.md, IDENTITY.md, HEALTH.md; withheld: DIARY.md (never)")
                .contains("agents:    editorial-pipeline / Writer A, Writer B, Editor, Skeptical reader, Newcomer reader, "
                        + "Busy reader, Final editor (gpt-4o-mini) — Sends to " + standIn)
                .contains("Prices:      " + home.resolve("prices.json") + ", in USD")
                .contains("Budget:      5.0000 USD a day (BRAIN_TRUST_DAILY_BUDGET)");
    }

    @Test
    void a_run_sums_its_usage_and_egress_sums_the_week_per_provider_and_file() throws Exception {
        CliRun run = CliRun.run(env(Map.of()), "run", "pair");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.err()).contains("2 model calls: 4,200,000 tokens (4,000,000 in, 200,000 out), 7.5000 USD, ");
        CliRun again = CliRun.run(env(Map.of()), "run", "pair");
        assertThat(again.exitCode()).isZero();

        CliRun egress = CliRun.run(env(Map.of()), "egress", "--since", "7d");

        assertThat(egress.exitCode()).as(egress.err()).isZero();
        long sent = llm.calls().stream().mapToLong(LlmStandIn.Call::bodyBytes).sum();
        assertThat(egress.out()).contains("4 model calls, " + Bytes.human(sent) + " sent, 8,400,000 tokens");
        assertThat(egress.out()).contains("15.0000 USD");
        assertThat(egress.out()).containsPattern("(?m)^  anthropic +2 calls ");
        assertThat(egress.out()).containsPattern("(?m)^  ollama +2 calls ");
        assertThat(egress.out()).containsPattern("(?m)^  BELIEFS\\.md +public +went to anthropic 2 times, ollama 2 times");
        assertThat(egress.out()).containsPattern("(?m)^  HEALTH\\.md +local +went to ollama 2 times \\(last ");
        assertThat(egress.out()).containsPattern("(?m)^  DIARY\\.md +never +went nowhere$");
        assertThat(egress.out()).contains("Today: 15.0000 USD").contains("no daily budget");

        CliRun json = CliRun.run(env(Map.of()), "egress", "--since", "today", "--json");
        JsonNode body = new ObjectMapper().readTree(json.out());
        assertThat(body.path("period").path("total").path("modelCalls").asInt()).isEqualTo(4);
        assertThat(body.path("period").path("total").path("bytesSent").asLong()).isEqualTo(sent);
        assertThat(body.path("today").path("spent").path("tokens").asLong()).isEqualTo(8_400_000);
    }

    @Test
    void a_bad_period_is_bad_input() {
        CliRun r = CliRun.run(env(Map.of()), "egress", "--since", "last tuesday");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("'last tuesday' is not a period: use 7d, 24h, 30m, today or a date");
    }
}
