package dev.braintrust.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.braintrust.testing.LlmStandIn;
import dev.braintrust.testing.LlmStandIn.Reply;
import dev.braintrust.testing.TestHome;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class RunCommandTest {
    @TempDir
    Path dir;
    @AutoClose
    private final LlmStandIn llm = new LlmStandIn();

    private Map<String, String> env(Path home) {
        return TestHome.env(home, llm, Map.of());
    }

    private static final String PAIR = """
            {"name": "Pair", "nodes": [
              {"id": "w", "type": "agentNode", "position": {"x": 0, "y": 0},
               "data": {"name": "Writer", "goal": "Write a haiku", "backstory": "You write haiku."}},
              {"id": "e", "type": "agentNode", "data": {"name": "Editor", "goal": "Polish it", "backstory": "You edit."}}],
             "edges": [{"id": "x", "source": "w", "target": "e"}]}
            """;

    @Test
    void runs_a_workflow_file_showing_progress_and_printing_the_final_output() throws Exception {
        Path home = TestHome.create(dir.resolve("home"));
        Path file = Files.writeString(dir.resolve("pair.json"), PAIR);
        llm.script(call -> Reply.text(call.taskContains("Polish") ? "Polished haiku" : "Rough haiku"));

        CliRun r = CliRun.run(env(home), "run", file.toString());

        assertThat(r.exitCode()).isZero();
        assertThat(r.out().strip()).isEqualTo("Polished haiku");
        assertThat(r.err()).contains("Running \"Pair\": 2 agents")
                .containsPattern("\\[ +\\d+\\.\\d s\\] waiting  Writer, Editor")
                .containsPattern("running  Writer \\(gpt-4o-mini\\)")
                .containsPattern("done     Writer in \\d+\\.\\d s")
                .containsPattern("done     Editor in \\d+\\.\\d s")
                .containsPattern("Run \\S+ succeeded in \\d+\\.\\d s \\(2 agents, context revision \\w+\\)");
        assertThat(r.err().indexOf("done     Writer")).isLessThan(r.err().indexOf("running  Editor"));
        assertThat(llm.calls().get(1).task()).contains("## Writer\nRough haiku");
    }

    @Test
    void runs_a_saved_workflow_by_name_and_lists_them() {
        Path home = TestHome.create(dir.resolve("home"));
        llm.script(call -> Reply.text("fine"));
        CliRun list = CliRun.run(env(home), "run", "--list");
        assertThat(list.exitCode()).isZero();
        assertThat(list.out()).containsPattern("editorial-pipeline +Editorial pipeline — 7 agents")
                .containsPattern("research-brief +Research brief — 3 agents");

        CliRun r = CliRun.run(env(home), "run", "research-brief");
        assertThat(r.exitCode()).isZero();
        assertThat(llm.requestCount()).isEqualTo(3);
    }

    @Test
    void a_dry_run_prints_every_prompt_and_task_and_calls_no_model() {
        Path home = TestHome.create(dir.resolve("home"));
        CliRun r = CliRun.run(env(home), "run", "--dry-run", "research-brief");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("No model is called")
                .contains("=== Agent 2/3: Writer (node writer) — model gpt-4o-mini (OpenAI) — after Researcher")
                .contains("--- system prompt ---\n# USER CONTEXT (TELOS LAYER)\n\n## Mission\n" + TestHome.MISSION)
                .contains("# AGENT INSTRUCTIONS\nYou write plainly for a technical reader who is short of time.\n--- task ---\n"
                        + "Turn research notes into a clear one-page brief\n\n---\n\n# OUTPUTS OF EARLIER AGENTS\n\n"
                        + "## Researcher\n<the output of Researcher>");
        assertThat(llm.requestCount()).isZero();
    }

    @Test
    void json_output_is_the_run_record() throws Exception {
        Path home = TestHome.create(dir.resolve("home"));
        Path file = Files.writeString(dir.resolve("pair.json"), PAIR);
        llm.script(call -> Reply.text("text"));
        CliRun r = CliRun.run(env(home), "run", "--json", file.toString());
        assertThat(r.exitCode()).isZero();
        assertThat(r.err()).isEmpty();
        JsonNode run = new ObjectMapper().readTree(r.out());
        assertThat(run.get("status").asText()).isEqualTo("succeeded");
        assertThat(run.get("steps")).hasSize(2);
        assertThat(run.get("steps").get(1).get("task").asText()).contains("## Writer\ntext");
        assertThat(run.get("revision").asText()).isNotBlank();

        CliRun dry = CliRun.run(env(home), "run", "--json", "--dry-run", file.toString());
        JsonNode plan = new ObjectMapper().readTree(dry.out());
        assertThat(plan.get("ready").asBoolean()).isTrue();
        assertThat(plan.get("agents").get(0).get("provider").asText()).isEqualTo("openai");
    }

    @Test
    void a_failed_run_exits_1_and_bad_input_exits_2() throws Exception {
        Path home = TestHome.create(dir.resolve("home"));
        Path file = Files.writeString(dir.resolve("pair.json"), PAIR);
        llm.script(call -> Reply.error(400, "{\"error\":{\"message\":\"no\"}}"));
        CliRun failed = CliRun.run(env(home), "run", file.toString());
        assertThat(failed.exitCode()).isEqualTo(1);
        assertThat(failed.err()).containsPattern("failed   Writer in \\d+\\.\\d s: OpenAI rejected the request")
                .contains("skipped  Editor: not run: the agent 'Writer' (node w) it depends on failed")
                .contains("1 agent failed: Writer");

        Path cyclic = Files.writeString(dir.resolve("cycle.json"), PAIR.replace("\"edges\": [", "\"edges\": [{\"source\": \"e\", \"target\": \"w\"}, "));
        CliRun bad = CliRun.run(env(home), "run", cyclic.toString());
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err().strip()).startsWith("error: the workflow is not valid: the workflow has a cycle: 'Writer' (node w) → 'Editor' (node e) → 'Writer' (node w)");

        Path broken = Files.writeString(dir.resolve("broken.json"), "{\"nodes\": [");
        assertThat(CliRun.run(env(home), "run", broken.toString()).err()).contains("is not valid JSON: ").contains("(line ");
        assertThat(CliRun.run(env(home), "run", "no-such-workflow").exitCode()).isEqualTo(2);
        assertThat(CliRun.run(env(home), "run", dir.resolve("missing.json").toString()).err()).contains("no such file");

        CliRun noKey = CliRun.run(TestHome.env(home, null, Map.of()), "run", file.toString());
        assertThat(noKey.exitCode()).isEqualTo(2);
        assertThat(noKey.err()).contains("set OPENAI_API_KEY");
        assertThat(llm.requestCount()).isEqualTo(1);
    }

    @Test
    void run_on_a_missing_home_creates_it_and_says_so() {
        Path home = dir.resolve("fresh");
        llm.script(call -> Reply.text("ok"));
        CliRun r = CliRun.run(env(home), "run", "research-brief");
        assertThat(r.exitCode()).isZero();
        assertThat(r.err()).contains("Created a new Brain Trust home at " + home);
        assertThat(home.resolve("state/brain-trust.db")).exists();
    }

    @Test
    void stopping_the_command_cancels_its_run() throws Exception {
        Path home = TestHome.create(dir.resolve("home"));
        llm.script(call -> Reply.text("late").after(60_000));
        Map<String, String> env = new java.util.HashMap<>(env(home));
        env.put("BRAIN_TRUST_MODEL_RETRY_BACKOFF", "1s");
        Process child = dev.braintrust.testing.ChildJvm.start(Main.class, env, "run", "research-brief");
        try {
            llm.awaitCalls(1, 30_000);
            child.destroy(); // SIGTERM, as Ctrl-C or a service manager would
            assertThat(child.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        } finally {
            child.destroyForcibly();
        }
        CliRun logs = CliRun.run(env(home), "logs");
        assertThat(logs.out()).contains("Research brief — cancelled");
        try (dev.braintrust.BrainTrust bt = TestHome.open(home, llm, Map.of())) {
            assertThat(bt.runs().list(1, 0).get(0).status()).isEqualTo(dev.braintrust.journal.RunStatus.CANCELLED);
        }
        assertThat(llm.requestCount()).isEqualTo(1);
    }

    @Test
    void chat_answers_one_message() {
        Path home = TestHome.create(dir.resolve("home"));
        llm.script(call -> Reply.text("Focus on chapter three."));
        CliRun r = CliRun.run(env(home), "chat", "--model", "gemini-2.0-flash", "--backstory", "You are my coach.",
                "What", "should", "I", "do?");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out().strip()).isEqualTo("Focus on chapter three.");
        LlmStandIn.Call call = llm.calls().get(0);
        assertThat(call.wire()).isEqualTo(LlmStandIn.Wire.GEMINI);
        assertThat(call.task()).isEqualTo("What should I do?");
        assertThat(call.system()).contains(TestHome.GOALS).endsWith("You are my coach.\n");

        CliRun unknown = CliRun.run(env(home), "chat", "--model", "mystery-1", "hi");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("which no provider serves");

        llm.script(c -> Reply.error(503, "{\"error\":\"busy\"}"));
        CliRun down = CliRun.run(env(home), "chat", "hi");
        assertThat(down.exitCode()).isEqualTo(1);
        assertThat(down.err()).contains("the agent could not answer");
    }
}
