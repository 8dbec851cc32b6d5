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
                .contains("# AGENT INSTRUCTIONS\nYou are Essay writer.\nYou write plainly for a technical reader who is short of time.\n"
                        + "Your personal goal is: Turn research notes into a clear one-page brief\n--- task ---\n"
                        + "Turn research notes into a clear one-page brief\n\n---\n\n# OUTPUTS OF EARLIER AGENTS\n\n"
                        + "## Researcher\n<the output of Researcher>");
        assertThat(r.err()).isEmpty();
        assertThat(llm.requestCount()).isZero();
    }

    @Test
    void a_dry_run_without_keys_prints_every_prompt_exits_0_and_lists_the_missing_keys_as_warnings() {
        Path home = TestHome.create(dir.resolve("home"));
        Map<String, String> noKeys = TestHome.env(home, null, Map.of("OLLAMA_BASE_URL", closedPortUrl()));

        CliRun r = CliRun.run(noKeys, "run", "--dry-run", "research-brief");

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("=== Agent 3/3: Editor (node editor)").contains("--- task ---");
        assertThat(r.err()).contains("warning: a real run could not start")
                .contains("OpenAI has no key ('Researcher' (node researcher) uses gpt-4o-mini, 'Writer' (node writer) uses gpt-4o-mini,")
                .contains("set OPENAI_API_KEY");

        CliRun json = CliRun.run(noKeys, "run", "--dry-run", "--json", "research-brief");
        assertThat(json.exitCode()).isZero();
        assertThat(json.out()).contains("\"ready\" : false");
        assertThat(json.err()).contains("warning: OpenAI has no key");
    }

    @Test
    void a_dry_run_warns_when_the_ollama_an_agent_uses_does_not_answer_naming_its_url() throws Exception {
        Path home = TestHome.create(dir.resolve("home"));
        String down = closedPortUrl();
        Path file = Files.writeString(dir.resolve("local.json"), PAIR.replace("\"backstory\": \"You edit.\"",
                "\"backstory\": \"You edit.\", \"model\": \"ollama:llama3.2\""));

        CliRun r = CliRun.run(TestHome.env(home, llm, Map.of("OLLAMA_BASE_URL", down)), "run", "--dry-run", file.toString());
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("model ollama:llama3.2 (Ollama)");
        assertThat(r.err()).contains("the Ollama server at " + down + " (OLLAMA_BASE_URL) does not answer ('Editor' (node e) use it)");

        llm.ollamaModels("qwen2.5:7b");
        CliRun missingModel = CliRun.run(env(home), "run", "--dry-run", file.toString());
        assertThat(missingModel.err()).contains("has no model 'llama3.2' ('Editor' (node e)): run 'ollama pull llama3.2'");
        llm.ollamaModels("llama3.2:latest");
        assertThat(CliRun.run(env(home), "run", "--dry-run", file.toString()).err()).isEmpty();
        assertThat(llm.requestCount()).isZero();
    }

    /** A URL where nothing listens (the port was free a moment ago). */
    static String closedPortUrl() {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return "http://127.0.0.1:" + socket.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
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

    @Test
    void chat_without_a_key_says_the_chat_agent_cannot_run_and_an_unreachable_ollama_is_named_with_its_variable() {
        Path home = TestHome.create(dir.resolve("home"));
        CliRun noKey = CliRun.run(TestHome.env(home, null, Map.of()), "chat", "hello");
        assertThat(noKey.exitCode()).isEqualTo(2);
        assertThat(noKey.err().strip()).startsWith("error: the chat agent cannot run: OpenAI has no key ('Assistant' (node chat) uses gpt-4o-mini)")
                .doesNotContain("workflow");

        String down = closedPortUrl();
        CliRun ollama = CliRun.run(TestHome.env(home, null, Map.of("OLLAMA_BASE_URL", down, "BRAIN_TRUST_MODEL_RETRIES", "0")),
                "chat", "--model", "ollama:llama3.2", "hello");
        assertThat(ollama.exitCode()).isEqualTo(1);
        assertThat(ollama.err()).contains("cannot reach Ollama at " + down + " (OLLAMA_BASE_URL)").contains("ollama serve");

        llm.script(call -> Reply.error(404, "{\"error\":\"model 'llama9' not found, try pulling it first\"}"));
        CliRun notPulled = CliRun.run(env(home), "chat", "--model", "ollama:llama9", "hello");
        assertThat(notPulled.exitCode()).isEqualTo(1);
        assertThat(notPulled.err()).contains("Ollama does not know the model 'llama9'").contains("run 'ollama pull llama9'");
    }

    @Test
    void the_original_model_names_are_aliases_shown_in_a_dry_run_and_sent_as_the_current_model() throws Exception {
        Path home = TestHome.create(dir.resolve("home"));
        Path file = Files.writeString(dir.resolve("original.json"), PAIR
                .replace("\"backstory\": \"You write haiku.\"", "\"backstory\": \"You write haiku.\", \"model\": \"claude-3-5-sonnet\"")
                .replace("\"backstory\": \"You edit.\"", "\"backstory\": \"You edit.\", \"model\": \"models/gemini-1.5-pro\""));

        CliRun dry = CliRun.run(env(home), "run", "--dry-run", file.toString());
        assertThat(dry.out()).contains("— model claude-3-5-sonnet → claude-sonnet-4-5 (Anthropic)")
                .contains("— model models/gemini-1.5-pro → gemini-2.5-pro (Google Gemini)");

        llm.script(call -> Reply.text("from " + call.model()));
        CliRun run = CliRun.run(env(home), "run", file.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(llm.calls()).extracting(LlmStandIn.Call::model).containsExactly("claude-sonnet-4-5", "gemini-2.5-pro");
        assertThat(run.err()).contains("running  Writer (claude-3-5-sonnet → claude-sonnet-4-5)");

        Files.writeString(home.resolve("workflows/models.json"), """
                {"claude-3-5-sonnet": "claude-opus-4-1", "models/gemini-1.5-pro": "ollama:llama3.2"}
                """);
        CliRun overridden = CliRun.run(env(home), "run", file.toString());
        assertThat(overridden.exitCode()).as(overridden.err()).isZero();
        assertThat(llm.calls().subList(2, 4)).extracting(LlmStandIn.Call::wire, LlmStandIn.Call::model)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(LlmStandIn.Wire.ANTHROPIC, "claude-opus-4-1"),
                        org.assertj.core.groups.Tuple.tuple(LlmStandIn.Wire.OLLAMA, "llama3.2"));
        assertThat(CliRun.run(env(home), "run", "--list").out()).doesNotContain("models");

        Files.writeString(home.resolve("workflows/models.json"), "{\"claude-3-5-sonnet\": \"mystery-9\"}");
        CliRun unknown = CliRun.run(env(home), "run", file.toString());
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("uses the model 'claude-3-5-sonnet', an alias (workflows/models.json) of 'mystery-9', which no provider serves");

        Files.writeString(home.resolve("workflows/models.json"), "{\"claude-3-5-sonnet\": ");
        CliRun broken = CliRun.run(env(home), "run", file.toString());
        assertThat(broken.exitCode()).isEqualTo(2);
        assertThat(broken.err()).contains("workflows/models.json is not valid JSON (line 1");
        assertThat(llm.requestCount()).isEqualTo(4);
    }
}
