package dev.braintrust.cli;

import dev.braintrust.BrainTrust;
import dev.braintrust.Json;
import dev.braintrust.journal.RunStatus;
import dev.braintrust.testing.LlmStandIn;
import dev.braintrust.testing.LlmStandIn.Reply;
import dev.braintrust.testing.Poll;
import dev.braintrust.testing.TestHome;
import dev.braintrust.workflow.Workflow;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** brain-trust schedules and brain-trust approve, in-process, over a real home, run database and the LLM stand-in. */
class AutomationCommandsTest {
    @TempDir
    Path dir;
    private Path home;
    private Map<String, String> env;
    @AutoClose
    private final LlmStandIn llm = new LlmStandIn();

    @BeforeEach
    void setUp() throws Exception {
        home = TestHome.create(dir.resolve("home"));
        TestHome.noSkills(home);
        env = TestHome.env(home, llm, Map.of());
        llm.script(call -> Reply.text("done: " + call.task().lines().findFirst().orElse("")));
        Files.writeString(home.resolve("workflows/brief.json"), """
                {"name": "Brief", "schedule": {"cron": "0 7 * * 1-5", "timezone": "America/New_York", "input": "Headlines only"},
                 "on": [{"webhook": "inbox"}, {"context-changed": ["GOALS.md"]}],
                 "nodes": [{"id": "a", "type": "agentNode", "data": {"name": "Writer", "goal": "Write the brief"}}], "edges": []}
                """);
    }

    @Test
    void schedules_lists_next_fires_in_the_zone_and_the_triggers() {
        CliRun r = CliRun.run(env, "schedules");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("brief — 0 7 * * 1-5 (America/New_York), missed: run-once, overlap: skip")
                .containsPattern("next: +\\d{4}-\\d\\d-\\d\\d 07:00 -0[45]:00, ")
                .contains("brief~webhook:inbox — POST /api/v1/triggers/inbox (BRAIN_TRUST_TRIGGER_SECRET_INBOX is NOT set")
                .contains("brief~context — when GOALS.md changes");
    }

    @Test
    void a_wrong_schedule_is_shown_as_a_problem_with_exit_code_2() throws Exception {
        Files.writeString(home.resolve("workflows/bad.json"), "{\"schedule\": {\"cron\": \"0 7 * * *\"}, \"nodes\": []}");
        CliRun r = CliRun.run(env, "schedules");
        assertThat(r.exitCode()).isEqualTo(Main.BAD_INPUT);
        assertThat(r.out()).contains("Problems:").contains("workflows/bad.json: schedule: it has no \"timezone\"");
        assertThat(CliRun.run(env, "status").out()).contains("workflows/bad.json: schedule: it has no \"timezone\"");
    }

    @Test
    void pause_resume_and_run_now_from_the_command_line() throws Exception {
        assertThat(CliRun.run(env, "schedules", "pause", "brief").out()).contains("Paused brief.");
        assertThat(CliRun.run(env, "schedules").out()).contains("[paused]");
        assertThat(CliRun.run(env, "schedules", "resume", "brief").out()).contains("Resumed brief; next fire ");
        CliRun run = CliRun.run(env, "schedules", "run", "brief");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("done: Write the brief");
        assertThat(llm.calls().get(0).task()).contains("Headlines only");
        assertThat(CliRun.run(env, "schedules").out()).contains(" manual — started, run ");
        assertThat(CliRun.run(env, "schedules", "pause", "nope").exitCode()).isEqualTo(Main.BAD_INPUT);
        String json = CliRun.run(env, "schedules", "--json").out();
        assertThat(Json.mapper().readTree(json).path("schedules").get(0).path("nextFires")).hasSize(5);
    }

    @Test
    void approve_decides_a_waiting_run_and_goes_on_with_it_when_no_server_runs_it() throws Exception {
        String id;
        try (BrainTrust bt = BrainTrust.open(TestHome.config(home, llm, Map.of()))) {
            Workflow gated = Workflow.fromJson(Json.mapper().readTree("""
                    {"name": "Gated", "nodes": [{"id": "a", "type": "agentNode", "data": {"name": "Writer", "goal": "Write it",
                     "approval": "before"}}]}"""), "gated");
            id = bt.runs().start(gated, "test", null).id();
            Poll.until(Duration.ofSeconds(20), "the run to wait", () -> bt.runs().get(id).status() == RunStatus.WAITING);
        }
        CliRun list = CliRun.run(env, "approve");
        assertThat(list.out()).contains(id + "  step a (before)").contains("Write it");

        CliRun approved = CliRun.run(env, "approve", id, "--note", "Short, please.");
        assertThat(approved.exitCode()).as(approved.err()).isZero();
        assertThat(approved.err()).contains("Approved step a of run " + id);
        assertThat(approved.out()).contains("done: Write it");
        assertThat(llm.calls().get(0).task()).contains("Short, please.");

        CliRun again = CliRun.run(env, "approve", id, "--reject");
        assertThat(again.exitCode()).isEqualTo(Main.FAILED);
        assertThat(again.err()).contains("waits for no approval (it is succeeded)");
        assertThat(CliRun.run(env, "approve").out()).contains("Nothing waits for approval.");
    }
}
