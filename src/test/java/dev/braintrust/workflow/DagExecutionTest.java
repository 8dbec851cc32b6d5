package dev.braintrust.workflow;

import dev.braintrust.BrainTrust;
import dev.braintrust.journal.RunRecord;
import dev.braintrust.journal.RunStatus;
import dev.braintrust.journal.StepRecord;
import dev.braintrust.journal.StepStatus;
import dev.braintrust.testing.LlmStandIn;
import dev.braintrust.testing.LlmStandIn.Reply;
import dev.braintrust.testing.TestHome;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

class DagExecutionTest {
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

    private RunRecord run(Workflow workflow, Map<String, String> env, Function<LlmStandIn.Call, Reply> script) {
        llm.script(script);
        try (BrainTrust bt = TestHome.open(home, llm, env)) {
            return bt.runs().run(workflow, "test", null);
        }
    }

    private static StepRecord step(RunRecord run, String nodeId) {
        return run.steps().stream().filter(s -> s.nodeId().equals(nodeId)).findFirst().orElseThrow();
    }

    private LlmStandIn.Call callFor(String nodeId) {
        return llm.calls().stream().filter(c -> Graphs.agentOf(c).equals(nodeId)).findFirst()
                .orElseThrow(() -> new AssertionError("no model call for " + nodeId));
    }

    @Test
    void a_chain_passes_each_output_to_the_next_agent_labelled_by_name() throws Exception {
        RunRecord run = run(Graphs.of("Chain", List.of("a", "b", "c"), "a>b", "b>c"), Map.of(), Graphs::echo);

        assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
        assertThat(run.finalOutput()).isEqualTo("out:c");
        assertThat(callFor("a").task()).isEqualTo("do a");
        assertThat(callFor("b").task()).isEqualTo("do b\n\n---\n\n# OUTPUTS OF EARLIER AGENTS\n\n## A\nout:a\n");
        assertThat(callFor("c").task()).contains("## B\nout:b").doesNotContain("out:a");
        assertThat(callFor("c").system()).contains(TestHome.MISSION).endsWith("# AGENT INSTRUCTIONS\nYou are Role c.\nYou are agent c.\nYour personal goal is: do c\n");
        assertThat(run.steps()).extracting(StepRecord::nodeId).containsExactly("a", "b", "c");
        assertThat(run.steps()).allSatisfy(s -> {
            assertThat(s.status()).isEqualTo(StepStatus.SUCCEEDED);
            assertThat(s.revision()).isEqualTo(run.revision());
            assertThat(s.inputTokens()).isEqualTo(11);
        });
        String journal = Files.readString(home.resolve("logs").resolve(run.startedAt().atZone(java.time.ZoneId.systemDefault()).toLocalDate() + ".md"));
        assertThat(journal).contains("Chain — succeeded").contains("- Run: " + run.id()).contains("- Agents: A, B, C")
                .contains("- Context revision: " + run.revision()).contains("> out:c");
    }

    @Test
    void fan_out_runs_independent_agents_at_the_same_time_and_fan_in_gets_them_all() {
        RunRecord run = run(Graphs.of("Fan", List.of("a", "b", "c", "d", "e"), "a>b", "a>c", "a>d", "b>e", "c>e", "d>e"),
                Map.of("BRAIN_TRUST_MAX_PARALLEL", "4"),
                call -> Set.of("b", "c", "d").contains(Graphs.agentOf(call)) ? Graphs.echo(call).after(300) : Graphs.echo(call));

        assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
        assertThat(llm.maxConcurrent()).isEqualTo(3);
        StepRecord b = step(run, "b");
        StepRecord c = step(run, "c");
        StepRecord d = step(run, "d");
        for (StepRecord x : List.of(b, c, d)) {
            for (StepRecord y : List.of(b, c, d)) {
                assertThat(x.startedAt()).isBefore(y.finishedAt()); // every pair overlapped in time
            }
        }
        assertThat(callFor("e").task()).contains("## B\nout:b").contains("## C\nout:c").contains("## D\nout:d");
        assertThat(step(run, "e").startedAt()).isAfterOrEqualTo(d.finishedAt());
    }

    @Test
    void never_runs_more_agents_at_once_than_the_limit() {
        RunRecord run = run(Graphs.of("Wide", List.of("a", "b", "c", "d", "e", "f")), Map.of("BRAIN_TRUST_MAX_PARALLEL", "2"),
                call -> Graphs.echo(call).after(150));
        assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
        assertThat(llm.maxConcurrent()).isEqualTo(2);
        assertThat(run.finalOutput()).contains("## A\nout:a").contains("## F\nout:f");
    }

    @Test
    void a_diamond_joins_both_branches() {
        RunRecord run = run(Graphs.of("Diamond", List.of("a", "b", "c", "d"), "a>b", "a>c", "b>d", "c>d"), Map.of(), Graphs::echo);
        assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
        assertThat(llm.requestCount()).isEqualTo(4);
        String task = callFor("d").task();
        assertThat(task.indexOf("## B\nout:b")).isPositive().isLessThan(task.indexOf("## C\nout:c"));
        assertThat(callFor("b").task()).contains("## A\nout:a");
        assertThat(callFor("c").task()).contains("## A\nout:a");
    }

    @Test
    void a_failed_agent_fails_its_descendants_but_not_its_siblings() {
        RunRecord run = run(Graphs.of("Branches", List.of("a", "b", "c", "d", "e"), "a>b", "b>d", "a>c", "c>e"), Map.of(),
                call -> Graphs.agentOf(call).equals("b")
                        ? Reply.error(400, "{\"error\":{\"message\":\"the prompt is not allowed\",\"type\":\"invalid_request_error\"}}")
                        : Graphs.echo(call));

        assertThat(run.status()).isEqualTo(RunStatus.FAILED);
        assertThat(step(run, "b").status()).isEqualTo(StepStatus.FAILED);
        assertThat(step(run, "b").error()).contains("OpenAI rejected the request").contains("the prompt is not allowed");
        assertThat(step(run, "d").status()).isEqualTo(StepStatus.SKIPPED);
        assertThat(step(run, "d").error()).contains("'B' (node b)").contains("failed");
        assertThat(step(run, "c").status()).isEqualTo(StepStatus.SUCCEEDED);
        assertThat(step(run, "e").status()).isEqualTo(StepStatus.SUCCEEDED);
        assertThat(llm.calls()).extracting(Graphs::agentOf).doesNotContain("d");
        assertThat(run.error()).startsWith("1 agent failed: B:");
        assertThat(run.finalOutput()).isEqualTo("out:e");
    }

    @Test
    void cancelling_stops_the_running_agent_and_starts_no_other() throws Exception {
        llm.script(call -> Graphs.echo(call).after(5000));
        try (BrainTrust bt = TestHome.open(home, llm, Map.of())) {
            RunHandle handle = bt.runs().start(Graphs.of("Slow", List.of("a", "b"), "a>b"), "test", null);
            llm.awaitCalls(1, 5000);
            RunRecord cancelled = bt.runs().cancel(handle.id());

            assertThat(cancelled.status()).isEqualTo(RunStatus.CANCELLED);
            assertThat(cancelled.error()).isEqualTo("cancelled on request");
            assertThat(handle.result()).isCompletedWithValue(cancelled);
            RunRecord stored = bt.runs().get(handle.id());
            assertThat(stored.status()).isEqualTo(RunStatus.CANCELLED);
            assertThat(step(stored, "a").status()).isEqualTo(StepStatus.CANCELLED);
            assertThat(step(stored, "a").error()).startsWith("stopped while running");
            assertThat(step(stored, "b").status()).isEqualTo(StepStatus.CANCELLED);
            assertThat(step(stored, "b").error()).startsWith("not started");
            assertThat(bt.runs().activeRuns()).isEmpty();
        }
        assertThat(llm.requestCount()).isEqualTo(1);
    }

    @Test
    void a_run_longer_than_the_run_timeout_is_stopped() {
        RunRecord run = run(Graphs.of("Slow", List.of("a", "b"), "a>b"), Map.of("BRAIN_TRUST_RUN_TIMEOUT", "300ms"),
                call -> Graphs.echo(call).after(3000));
        assertThat(run.status()).isEqualTo(RunStatus.TIMED_OUT);
        assertThat(run.error()).contains("longer than 300 ms (BRAIN_TRUST_RUN_TIMEOUT)");
        assertThat(step(run, "a").status()).isEqualTo(StepStatus.CANCELLED);
        assertThat(step(run, "b").status()).isEqualTo(StepStatus.CANCELLED);
        assertThat(llm.requestCount()).isEqualTo(1);
    }

    @Test
    void a_model_call_longer_than_the_model_timeout_fails_the_agent() {
        RunRecord run = run(Graphs.of("Slow", List.of("a")), Map.of("BRAIN_TRUST_MODEL_TIMEOUT", "200ms"),
                call -> Graphs.echo(call).after(2000));
        assertThat(run.status()).isEqualTo(RunStatus.FAILED);
        assertThat(step(run, "a").error()).isEqualTo("OpenAI did not answer within 200 ms (BRAIN_TRUST_MODEL_TIMEOUT)");
        assertThat(llm.requestCount()).isEqualTo(1);
    }

    @Test
    void rate_limits_and_server_errors_are_retried_with_backoff() {
        AtomicInteger calls = new AtomicInteger();
        RunRecord run = run(Graphs.of("Retry", List.of("a")), Map.of("BRAIN_TRUST_MODEL_RETRIES", "2"),
                call -> switch (calls.incrementAndGet()) {
                    case 1 -> Reply.error(429, "{\"error\":{\"message\":\"slow down\"}}");
                    case 2 -> Reply.error(503, "{\"error\":{\"message\":\"overloaded\"}}");
                    default -> Graphs.echo(call);
                });
        assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
        assertThat(step(run, "a").attempts()).isEqualTo(3);
        assertThat(run.finalOutput()).isEqualTo("out:a");
    }

    @Test
    void gives_up_after_the_configured_retries() {
        RunRecord run = run(Graphs.of("Retry", List.of("a")), Map.of("BRAIN_TRUST_MODEL_RETRIES", "1"),
                call -> Reply.error(500, "{\"error\":{\"message\":\"boom\"}}"));
        assertThat(run.status()).isEqualTo(RunStatus.FAILED);
        assertThat(step(run, "a").attempts()).isEqualTo(2);
        assertThat(step(run, "a").error()).startsWith("OpenAI failed with a server error after 2 attempts: 500").contains("boom");
        assertThat(llm.requestCount()).isEqualTo(2);
    }

    @Test
    void a_client_error_is_not_retried_and_never_shows_the_key() {
        RunRecord run = run(Graphs.of("Auth", List.of("a")), Map.of(),
                call -> Reply.error(401, "{\"error\":{\"message\":\"Incorrect API key provided: sk-test-openai\"}}"));
        assertThat(llm.requestCount()).isEqualTo(1);
        assertThat(step(run, "a").error()).contains("OpenAI refused the credentials").contains("check OPENAI_API_KEY")
                .doesNotContain("sk-test-openai").contains("****");
    }

    @Test
    void a_provider_that_cannot_be_reached_fails_the_agent_with_a_clear_message() throws Exception {
        int closedPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        RunRecord run = run(Graphs.of("Offline", List.of("a")),
                Map.of("OPENAI_BASE_URL", "http://127.0.0.1:" + closedPort + "/v1"), Graphs::echo);
        assertThat(step(run, "a").error()).isEqualTo("cannot reach OpenAI at http://127.0.0.1:" + closedPort
                + "/v1 (OPENAI_BASE_URL): is the server running and OPENAI_BASE_URL right?");
        assertThat(step(run, "a").attempts()).isEqualTo(1);
    }

    @Test
    void every_agent_of_a_run_gets_the_same_context_snapshot() throws Exception {
        Path mission = home.resolve("context/MISSION.md");
        try (BrainTrust bt = TestHome.open(home, llm, Map.of())) {
            llm.script(call -> {
                if (Graphs.agentOf(call).equals("a")) {
                    try {
                        Files.writeString(mission, "A completely different mission.\n");
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                    bt.context().invalidate();
                }
                return Graphs.echo(call);
            });
            RunRecord first = bt.runs().run(Graphs.of("Snap", List.of("a", "b"), "a>b"), "test", null);
            assertThat(callFor("b").system()).contains(TestHome.MISSION).doesNotContain("completely different");
            assertThat(first.steps()).extracting(StepRecord::revision).containsOnly(first.revision());

            RunRecord second = bt.runs().run(Graphs.of("Snap", List.of("c")), "test", null);
            assertThat(second.revision()).isNotEqualTo(first.revision());
            assertThat(callFor("c").system()).contains("A completely different mission.");
        }
    }

    @Test
    void tool_call_rounds_are_bounded() {
        TestHome.skill(home, "echo.sh", "#!/bin/sh\n# NAME: echo_back\n# PARAM: text (str) - what to echo\necho \"$1\"\n");
        RunRecord run = run(Graphs.of("Loop", List.of("a")), Map.of("BRAIN_TRUST_MAX_TOOL_ROUNDS", "2"),
                call -> Reply.tool("echo_back", "{\"text\":\"again\"}"));
        StepRecord a = step(run, "a");
        assertThat(a.status()).isEqualTo(StepStatus.FAILED);
        assertThat(a.error()).contains("after 2 rounds of tool calls (BRAIN_TRUST_MAX_TOOL_ROUNDS)");
        assertThat(a.toolCalls()).hasSize(2).allSatisfy(c -> assertThat(c.outputExcerpt()).isEqualTo("again\n"));
        assertThat(llm.requestCount()).isEqualTo(3);
        assertThat(llm.calls().get(2).messages()).last().satisfies(m ->
                assertThat(m.text()).contains("You have used all 2 rounds of tool calls"));
    }

    @Test
    void a_tool_call_with_bad_arguments_returns_the_error_to_the_model() {
        TestHome.skill(home, "echo.sh", "#!/bin/sh\n# NAME: echo_back\n# PARAM: text (str) - what to echo\necho \"$1\"\n");
        RunRecord run = run(Graphs.of("Tools", List.of("a")), Map.of(), call -> {
            if (call.toolResults().isEmpty()) {
                return Reply.tool("echo_back", "{\"txt\":\"typo\"}");
            }
            if (call.toolResults().size() == 1) {
                return Reply.tool("no_such_tool", "{}");
            }
            return Reply.text("gave up: " + call.toolResults());
        });
        StepRecord a = step(run, "a");
        assertThat(a.status()).isEqualTo(StepStatus.SUCCEEDED);
        assertThat(a.toolCalls()).extracting(c -> c.outcome()).containsExactly("rejected", "rejected");
        assertThat(llm.calls().get(1).toolResults().get(0)).contains("error:").contains("has no parameter txt");
        assertThat(llm.calls().get(2).toolResults().get(1)).contains("there is no tool named 'no_such_tool'; the tools are: echo_back");
    }

    @Test
    void typed_tool_arguments_reach_the_script_as_text() {
        TestHome.skill(home, "repeat.sh", "#!/bin/sh\n# NAME: repeat\n# PARAM: times (int) - how often\n"
                + "# PARAM: loud (bool, optional) - shout\n# PARAM: ratio (float, optional) - a number\necho \"$1|$2|$3\"\n");
        RunRecord run = run(Graphs.of("Typed", List.of("a")), Map.of(), call -> call.toolResults().isEmpty()
                ? Reply.tool("repeat", "{\"times\": 3, \"loud\": true, \"ratio\": 0.5}")
                : Reply.text("got " + call.toolResults().get(0).strip()));
        assertThat(run.finalOutput()).isEqualTo("got 3|true|0.5");
        assertThat(llm.calls().get(0).body().toString())
                .contains("\"times\":{\"type\":\"integer\"").contains("\"loud\":{\"type\":\"boolean\"")
                .contains("\"required\":[\"times\"]");
    }

    @Test
    void the_bundled_editorial_pipeline_runs() {
        llm.script(call -> Reply.text("draft by " + call.task().lines().findFirst().orElse("")));
        try (BrainTrust bt = TestHome.open(home, llm, Map.of())) {
            RunRecord run = bt.runs().run(bt.runs().loadSaved("editorial-pipeline"), "test", null);
            assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
            assertThat(run.workflow()).isEqualTo("Editorial pipeline");
            assertThat(run.steps()).hasSize(7).allSatisfy(s -> assertThat(s.status()).isEqualTo(StepStatus.SUCCEEDED));
            assertThat(run.steps().get(6).agent()).isEqualTo("Final editor");
            assertThat(run.steps().get(6).task())
                    .startsWith("Revise the essay using the three readers' reactions and return the final text")
                    .contains("## Editor\ndraft by Merge the two drafts")
                    .contains("## Skeptical reader\n").contains("## Newcomer reader\n").contains("## Busy reader\n");
            assertThat(run.finalOutput()).startsWith("draft by Revise the essay");
            assertThat(llm.requestCount()).isEqualTo(7);
        }
    }

    @Test
    void subscribers_see_every_event_in_order_and_late_ones_get_a_replay() throws Exception {
        java.util.List<RunEvent> live = new java.util.concurrent.CopyOnWriteArrayList<>();
        llm.script(Graphs::echo);
        try (BrainTrust bt = TestHome.open(home, llm, Map.of())) {
            RunRecord run = bt.runs().run(Graphs.of("Events", List.of("a", "b"), "a>b"), "test", live::add);
            assertThat(live).extracting(e -> e.type().label() + ":" + (e.nodeId() == null ? "" : e.nodeId()) + ":" + e.status())
                    .containsExactly("run-started::running", "node-started:a:running", "node-finished:a:succeeded",
                            "node-started:b:running", "node-finished:b:succeeded", "done::succeeded");
            assertThat(live.get(live.size() - 1).detail()).isEqualTo("out:b");

            java.util.List<RunEvent> replayed = new java.util.ArrayList<>();
            bt.runs().subscribe(run.id(), replayed::add).close();
            assertThat(replayed).extracting(RunEvent::type).containsExactly(RunEvent.Type.RUN_STARTED,
                    RunEvent.Type.NODE_STARTED, RunEvent.Type.NODE_FINISHED, RunEvent.Type.NODE_STARTED,
                    RunEvent.Type.NODE_FINISHED, RunEvent.Type.DONE);
        }
    }
}
