package dev.braintrust.workflow;

import dev.braintrust.BrainTrust;
import dev.braintrust.BrainTrustException;
import dev.braintrust.context.PromptComposer;
import dev.braintrust.journal.RunRecord;
import dev.braintrust.journal.RunStatus;
import dev.braintrust.journal.RunSummary;
import dev.braintrust.journal.StepStatus;
import dev.braintrust.testing.ChildJvm;
import dev.braintrust.testing.LlmStandIn;
import dev.braintrust.testing.LlmStandIn.Reply;
import dev.braintrust.testing.TestHome;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Run history, chat and dry runs through the RunService, with real processes, files and the stand-in. */
class RunHistoryTest {
    @TempDir
    Path dir;
    private Path home;
    @AutoClose
    private final LlmStandIn llm = new LlmStandIn();

    @BeforeEach
    void home() {
        home = TestHome.create(dir.resolve("home"));
        TestHome.noSkills(home);
    }

    private String journalText() throws Exception {
        try (Stream<Path> days = Files.list(home.resolve("logs"))) {
            StringBuilder all = new StringBuilder();
            for (Path day : days.toList()) {
                all.append(Files.readString(day));
            }
            return all.toString();
        }
    }

    @Test
    void a_run_killed_with_its_process_is_marked_interrupted_and_journaled_at_the_next_start() throws Exception {
        llm.script(call -> Graphs.echo(call).after(60_000));
        Process child = ChildJvm.start(CrashingRun.class, Map.of(), home.toString(), llm.openAiBaseUrl());
        String id;
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            String line;
            do {
                line = lines.readLine();
            } while (line != null && !line.startsWith("started "));
            assertThat(line).as("the child printed its run id").isNotNull();
            id = line.substring("started ".length());
            llm.awaitCalls(1, 20_000);
        } finally {
            child.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
        }

        try (BrainTrust bt = TestHome.open(home, llm, Map.of())) {
            RunRecord run = bt.runs().get(id);
            assertThat(run.status()).isEqualTo(RunStatus.INTERRUPTED);
            assertThat(run.error()).contains("pid " + child.pid()).contains("stopped before it finished");
            assertThat(run.steps()).extracting(s -> s.status()).containsOnly(StepStatus.INTERRUPTED);
        }
        assertThat(journalText()).contains("Doomed — interrupted").contains("- Run: " + id);
    }

    @Test
    void lists_runs_newest_first_and_fetches_one_with_its_steps() {
        llm.script(Graphs::echo);
        try (BrainTrust bt = TestHome.open(home, llm, Map.of())) {
            RunRecord first = bt.runs().run(Graphs.of("First", List.of("a")), "test", null);
            RunRecord second = bt.runs().run(Graphs.of("Second", List.of("b", "c"), "b>c"), "api", null);
            List<RunSummary> runs = bt.runs().list(10, 0);
            assertThat(runs).extracting(RunSummary::id).containsExactly(second.id(), first.id());
            assertThat(runs.get(0).workflow()).isEqualTo("Second");
            assertThat(runs.get(0).source()).isEqualTo("api");
            assertThat(runs.get(0).outputExcerpt()).isEqualTo("out:c");
            RunRecord fetched = bt.runs().get(second.id());
            assertThat(fetched.steps()).extracting(s -> s.agent()).containsExactly("B", "C");
            assertThat(fetched.steps().get(1).systemPrompt()).contains(TestHome.MISSION);
            assertThat(fetched.steps().get(1).task()).contains("## B\nout:b");
            assertThat(fetched.steps().get(1).output()).isEqualTo("out:c");
            assertThatThrownBy(() -> bt.runs().get("20990101-000000-abcdef")).isInstanceOf(BrainTrustException.NotFound.class);
            assertThatThrownBy(() -> bt.runs().get("../../etc")).isInstanceOf(BrainTrustException.BadInput.class);
        }
    }

    @Test
    void a_workflow_is_rejected_before_any_model_call() {
        try (BrainTrust bt = TestHome.open(home, llm, Map.of())) {
            assertThatThrownBy(() -> bt.runs().run(Graphs.of("Loop", List.of("a", "b"), "a>b", "b>a"), "test", null))
                    .isInstanceOf(BrainTrustException.BadInput.class).hasMessageContaining("cycle");
            Workflow claude = Workflow.single("Claude", new AgentNode("a", "A", null, "g", null, null, "claude-opus-4"));
            try (BrainTrust noKeys = BrainTrust.open(TestHome.config(home, null, Map.of()))) {
                assertThatThrownBy(() -> noKeys.runs().run(claude, "test", null))
                        .isInstanceOf(BrainTrustException.BadInput.class).hasMessageContaining("set ANTHROPIC_API_KEY");
                assertThat(noKeys.runs().list(10, 0)).isEmpty();
            }
        }
        assertThat(llm.requestCount()).isZero();
    }

    @Test
    void a_dry_run_shows_every_prompt_and_task_and_calls_nothing() {
        try (BrainTrust bt = TestHome.open(home, llm, Map.of())) {
            DryRun dry = bt.runs().dryRun(bt.runs().loadSaved("research-brief"));
            assertThat(dry.ready()).isTrue();
            assertThat(dry.workflow()).isEqualTo("Research brief");
            assertThat(dry.revision()).isEqualTo(bt.context().snapshot().revision());
            assertThat(dry.agents()).extracting(DryRun.Agent::name).containsExactly("Researcher", "Writer", "Editor");
            DryRun.Agent writer = dry.agents().get(1);
            assertThat(writer.systemPrompt()).isEqualTo(bt.context().composePrompt(new PromptComposer.Agent("Essay writer",
                    "You write plainly for a technical reader who is short of time.", "Turn research notes into a clear one-page brief")));
            assertThat(writer.task()).isEqualTo("Turn research notes into a clear one-page brief\n\n---\n\n"
                    + "# OUTPUTS OF EARLIER AGENTS\n\n## Researcher\n<the output of Researcher>\n");
            assertThat(dry.agents().get(0).task()).startsWith("List the five most important things");
            assertThat(bt.runs().list(10, 0)).isEmpty();
        }
        try (BrainTrust noKeys = BrainTrust.open(TestHome.config(home, null, Map.of()))) {
            DryRun dry = noKeys.runs().dryRun(noKeys.runs().loadSaved("research-brief"));
            assertThat(dry.ready()).isFalse();
            assertThat(dry.problems()).allSatisfy(p -> assertThat(p).contains("set OPENAI_API_KEY"));
        }
        assertThat(llm.requestCount()).isZero();
    }

    @Test
    void chat_sends_the_message_with_context_to_one_agent_and_records_it() throws Exception {
        llm.script(call -> Reply.text("Reply to: " + call.task().lines().findFirst().orElse("")));
        try (BrainTrust bt = TestHome.open(home, llm, Map.of())) {
            ChatReply reply = bt.runs().chat(AgentChat.fromJson(new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                    "{\"message\":\"What should I write next?\",\"agent_config\":{\"name\":\"Coach\",\"backstory\":"
                            + "\"You are a writing coach.\",\"model\":\"claude-haiku-4-5\"},\"context\":\"Chapter two is done.\"}")));
            assertThat(reply.response()).isEqualTo("Reply to: What should I write next?");
            assertThat(reply.agent()).isEqualTo("Coach");
            assertThat(reply.model()).isEqualTo("claude-haiku-4-5");
            assertThat(reply.revision()).isEqualTo(bt.context().snapshot().revision());
            LlmStandIn.Call call = llm.calls().get(0);
            assertThat(call.wire()).isEqualTo(LlmStandIn.Wire.ANTHROPIC);
            assertThat(call.system()).contains("## Mission\n" + TestHome.MISSION).endsWith("# AGENT INSTRUCTIONS\nYou are a writing coach.\n");
            assertThat(call.task()).isEqualTo("What should I write next?\n\n---\n\n# CONTEXT\nChapter two is done.");
            RunRecord stored = bt.runs().get(reply.runId());
            assertThat(stored.source()).isEqualTo("chat");
            assertThat(stored.workflow()).isEqualTo("Chat with Coach");

            llm.script(c -> Reply.error(500, "{\"error\":\"down\"}"));
            assertThatThrownBy(() -> bt.runs().chat(new AgentChat("hello", AgentChat.agent(null, null, "gpt-4o"), null)))
                    .isInstanceOf(BrainTrustException.Unavailable.class).hasMessageContaining("server error");
        }
        assertThat(journalText()).contains("Chat with Coach — succeeded");
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        assertThatThrownBy(() -> AgentChat.fromJson(json.readTree("{\"message\":\" \"}")))
                .isInstanceOf(BrainTrustException.BadInput.class);
        assertThat(AgentChat.fromJson(json.readTree("{\"message\":\"m\",\"context\":true}")).context()).isNull();
        assertThat(AgentChat.fromJson(json.readTree("{\"message\":\"m\",\"context\":{\"topic\":\"x\"}}")).context())
                .contains("\"topic\" : \"x\"");
    }

    @Test
    void run_requests_accept_the_original_body_a_wrapper_or_a_saved_name() throws Exception {
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        try (BrainTrust bt = TestHome.open(home, llm, Map.of())) {
            RunService runs = bt.runs();
            RunRequest plain = runs.parseRunRequest(json.readTree(
                    "{\"nodes\":[{\"id\":\"a\",\"type\":\"agentNode\",\"data\":{\"name\":\"A\",\"goal\":\"g\"}}],\"edges\":[]}"));
            assertThat(plain.dryRun()).isFalse();
            assertThat(plain.workflow().agents()).hasSize(1);
            RunRequest wrapped = runs.parseRunRequest(json.readTree(
                    "{\"dryRun\":true,\"workflow\":{\"name\":\"W\",\"nodes\":[{\"id\":\"a\",\"data\":{\"goal\":\"g\"}}]}}"));
            assertThat(wrapped.dryRun()).isTrue();
            assertThat(wrapped.workflow().name()).isEqualTo("W");
            RunRequest saved = runs.parseRunRequest(json.readTree("{\"workflow\":\"editorial-pipeline\"}"));
            assertThat(saved.workflow().name()).isEqualTo("Editorial pipeline");
            assertThatThrownBy(() -> runs.parseRunRequest(json.readTree("{\"workflow\":\"../../etc/passwd\"}")))
                    .isInstanceOf(BrainTrustException.BadInput.class);
            assertThatThrownBy(() -> runs.parseRunRequest(json.readTree("{\"workflow\":\"missing\"}")))
                    .isInstanceOf(BrainTrustException.NotFound.class);
        }
    }
}
