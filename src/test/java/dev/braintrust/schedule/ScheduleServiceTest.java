package dev.braintrust.schedule;

import dev.braintrust.BrainTrust;
import dev.braintrust.journal.RunRecord;
import dev.braintrust.journal.RunStatus;
import dev.braintrust.journal.ScheduleFire;
import dev.braintrust.testing.LlmStandIn;
import dev.braintrust.testing.LlmStandIn.Reply;
import dev.braintrust.testing.MutableClock;
import dev.braintrust.testing.Poll;
import dev.braintrust.testing.TestHome;
import dev.braintrust.workflow.RunHandle;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Schedules on a clock the test moves, over a real home, the real run database (SQLite) and the LLM stand-in. */
class ScheduleServiceTest {
    @TempDir
    Path dir;
    private Path home;
    @AutoClose
    private final LlmStandIn llm = new LlmStandIn();
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-12T06:59:30Z"));

    @BeforeEach
    void home() {
        home = TestHome.create(dir.resolve("home"));
        TestHome.noSkills(home);
        llm.script(call -> Reply.text("brief for: " + call.task()));
    }

    static String workflow(String name, String scheduleJson) {
        return "{\"name\": \"" + name + "\", \"nodes\": [{\"id\": \"a\", \"type\": \"agentNode\", \"data\": {\"name\": \"Briefer\", "
                + "\"goal\": \"Write the brief\"}}], \"edges\": [], \"schedule\": " + scheduleJson + "}";
    }

    private void save(String stem, String json) throws Exception {
        Files.writeString(home.resolve("workflows").resolve(stem + ".json"), json);
    }

    private BrainTrust open(Map<String, String> env) {
        return BrainTrust.open(TestHome.config(home, llm, env), clock);
    }

    private static List<ScheduleFire> fires(BrainTrust bt, String id) {
        return bt.schedules().schedule(id).recent();
    }

    private static RunRecord awaitRun(BrainTrust bt, String runId) {
        Poll.until(Duration.ofSeconds(30), "run " + runId + " to finish", () -> bt.runs().get(runId).status().finished());
        return bt.runs().get(runId);
    }

    @Test
    void a_fire_runs_on_time_and_the_run_records_that_a_schedule_started_it() throws Exception {
        save("brief", workflow("Morning brief", "{\"cron\": \"0 7 * * *\", \"timezone\": \"Europe/Berlin\", \"input\": \"Focus on chapter three\"}"));
        clock.set(Instant.parse("2026-01-12T05:59:30Z")); // 06:59:30 in Berlin
        try (BrainTrust bt = open(Map.of())) {
            bt.schedules().tick();
            assertThat(fires(bt, "brief")).isEmpty();
            clock.set(Instant.parse("2026-01-12T06:00:00.200Z"));
            bt.schedules().tick();

            List<ScheduleFire> recorded = fires(bt, "brief");
            assertThat(recorded).singleElement().satisfies(f -> {
                assertThat(f.kind()).isEqualTo("schedule");
                assertThat(f.outcome()).isEqualTo("started");
                assertThat(f.fireAt()).isEqualTo(Instant.parse("2026-01-12T06:00:00Z"));
            });
            RunRecord run = awaitRun(bt, recorded.get(0).runId());
            assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
            assertThat(run.source()).isEqualTo("schedule");
            assertThat(run.steps().get(0).task()).contains("Write the brief").contains("# INPUT").contains("Focus on chapter three");
            bt.schedules().tick();
            assertThat(fires(bt, "brief")).as("a fire runs once").hasSize(1);
            assertThat(bt.schedules().schedule("brief").nextFires()).hasSize(5).first().isEqualTo("2026-01-13T07:00:00+01:00");
        }
    }

    @Test
    void fires_missed_while_no_server_ran_are_run_once_at_the_next_start() throws Exception {
        save("hourly", workflow("Hourly", "{\"cron\": \"0 * * * *\", \"timezone\": \"UTC\", \"missed\": \"run-once\"}"));
        try (BrainTrust first = open(Map.of())) {
            first.schedules().tick(); // 06:59:30: the schedule is seen, nothing is due
        }
        clock.set(Instant.parse("2026-01-12T10:30:00Z")); // the server was down for 07:00, 08:00, 09:00 and 10:00
        try (BrainTrust second = open(Map.of())) {
            second.schedules().tick();
            second.schedules().tick();
            List<ScheduleFire> recorded = fires(second, "hourly");
            assertThat(recorded).singleElement().satisfies(f -> {
                assertThat(f.kind()).isEqualTo("catch-up");
                assertThat(f.fireAt()).isEqualTo(Instant.parse("2026-01-12T10:00:00Z"));
                assertThat(f.detail()).contains("4 fires missed").contains("2026-01-12T07:00:00Z to 2026-01-12T10:00:00Z").contains("run once");
            });
            assertThat(awaitRun(second, recorded.get(0).runId()).source()).isEqualTo("catch-up");
            clock.set(Instant.parse("2026-01-12T11:00:00.100Z"));
            second.schedules().tick();
            assertThat(fires(second, "hourly")).extracting(ScheduleFire::kind).containsExactly("schedule", "catch-up");
        }
    }

    @Test
    void fires_missed_with_missed_skip_are_recorded_as_skipped_not_run() throws Exception {
        save("hourly", workflow("Hourly", "{\"cron\": \"0 * * * *\", \"timezone\": \"UTC\", \"missed\": \"skip\"}"));
        try (BrainTrust first = open(Map.of())) {
            first.schedules().tick();
        }
        clock.set(Instant.parse("2026-01-12T09:30:00Z"));
        try (BrainTrust second = open(Map.of())) {
            second.schedules().tick();
            assertThat(fires(second, "hourly")).singleElement().satisfies(f -> {
                assertThat(f.outcome()).isEqualTo("skipped");
                assertThat(f.reason()).isEqualTo("missed");
                assertThat(f.detail()).contains("3 fires missed").contains("missed: skip");
            });
            assertThat(second.runs().list(10, 0)).isEmpty();
        }
    }

    @Test
    void a_fire_while_the_previous_run_goes_on_is_skipped_with_overlap_skip() throws Exception {
        save("minutely", workflow("Minutely", "{\"cron\": \"* * * * *\", \"timezone\": \"UTC\", \"overlap\": \"skip\"}"));
        llm.script(call -> Reply.text("slow").after(2_000));
        try (BrainTrust bt = open(Map.of())) {
            bt.schedules().tick();
            clock.set(Instant.parse("2026-01-12T07:00:00.100Z"));
            bt.schedules().tick();
            llm.awaitCalls(1, 10_000);
            clock.set(Instant.parse("2026-01-12T07:01:00.100Z"));
            bt.schedules().tick();
            List<ScheduleFire> recorded = fires(bt, "minutely");
            assertThat(recorded).extracting(ScheduleFire::outcome).containsExactly("skipped", "started");
            assertThat(recorded.get(0).reason()).isEqualTo("overlap");
            assertThat(recorded.get(0).detail()).contains(recorded.get(1).runId()).contains("still going on");
            awaitRun(bt, recorded.get(1).runId());
        }
    }

    @Test
    void a_fire_while_the_previous_run_goes_on_waits_for_it_with_overlap_queue() throws Exception {
        save("minutely", workflow("Minutely", "{\"cron\": \"* * * * *\", \"timezone\": \"UTC\", \"overlap\": \"queue\"}"));
        llm.script(call -> Reply.text("slow").after(1_500));
        try (BrainTrust bt = open(Map.of())) {
            bt.schedules().tick();
            clock.set(Instant.parse("2026-01-12T07:00:00.100Z"));
            bt.schedules().tick();
            llm.awaitCalls(1, 10_000);
            clock.set(Instant.parse("2026-01-12T07:01:00.100Z"));
            bt.schedules().tick();
            clock.set(Instant.parse("2026-01-12T07:02:00.100Z"));
            bt.schedules().tick();
            List<ScheduleFire> recorded = fires(bt, "minutely");
            assertThat(recorded).extracting(ScheduleFire::outcome).containsExactly("skipped", "queued", "started");
            assertThat(recorded.get(0).detail()).contains("already queued");
            assertThat(recorded.get(1).detail()).contains("queued behind run " + recorded.get(2).runId());
            awaitRun(bt, recorded.get(2).runId());
            Poll.until(Duration.ofSeconds(20), "the queued fire to start when the run before it ended", () -> {
                bt.schedules().tick();
                return fires(bt, "minutely").get(1).runId() != null;
            });
            RunRecord queued = awaitRun(bt, fires(bt, "minutely").get(1).runId());
            assertThat(queued.startedAt()).isAfterOrEqualTo(bt.runs().get(recorded.get(2).runId()).finishedAt());
        }
    }

    @Test
    void a_paused_schedule_records_its_fires_as_skipped_until_it_is_resumed() throws Exception {
        save("minutely", workflow("Minutely", "{\"cron\": \"* * * * *\", \"timezone\": \"UTC\"}"));
        try (BrainTrust bt = open(Map.of())) {
            bt.schedules().tick();
            assertThat(bt.schedules().setPaused("minutely", true, "test").paused()).isTrue();
            clock.set(Instant.parse("2026-01-12T07:00:00.100Z"));
            bt.schedules().tick();
            bt.schedules().setPaused("minutely", false, "test");
            clock.set(Instant.parse("2026-01-12T07:01:00.100Z"));
            bt.schedules().tick();
            List<ScheduleFire> recorded = fires(bt, "minutely");
            assertThat(recorded).extracting(ScheduleFire::outcome).containsExactly("started", "skipped");
            assertThat(recorded.get(1).reason()).isEqualTo("paused");
            awaitRun(bt, recorded.get(0).runId());
        }
    }

    @Test
    void run_now_runs_the_workflow_with_the_schedules_input_and_records_it_as_manual() throws Exception {
        save("brief", workflow("Brief", "{\"cron\": \"0 7 * * *\", \"timezone\": \"UTC\", \"input\": \"Only the headlines\"}"));
        try (BrainTrust bt = open(Map.of())) {
            RunHandle handle = bt.schedules().runNow("brief");
            RunRecord run = handle.result().get(30, TimeUnit.SECONDS);
            assertThat(run.source()).isEqualTo("manual");
            assertThat(run.steps().get(0).task()).contains("Only the headlines");
            assertThat(fires(bt, "brief")).singleElement().satisfies(f -> {
                assertThat(f.kind()).isEqualTo("manual");
                assertThat(f.runId()).isEqualTo(handle.id());
            });
            assertThatThrownBy(() -> bt.schedules().runNow("nope")).hasMessageContaining("no schedule 'nope'");
        }
    }

    @Test
    void no_more_than_max_scheduled_runs_go_on_at_once_and_the_others_wait_their_turn() throws Exception {
        save("one", workflow("One", "{\"cron\": \"0 7 * * *\", \"timezone\": \"UTC\"}"));
        save("two", workflow("Two", "{\"cron\": \"0 7 * * *\", \"timezone\": \"UTC\"}"));
        llm.script(call -> Reply.text("slow").after(1_000));
        try (BrainTrust bt = open(Map.of("BRAIN_TRUST_MAX_SCHEDULED_RUNS", "1"))) {
            bt.schedules().tick();
            clock.set(Instant.parse("2026-01-12T07:00:00.100Z"));
            bt.schedules().tick();
            assertThat(bt.schedules().overview().runningHere()).isEqualTo(1);
            assertThat(bt.schedules().overview().queuedHere()).isEqualTo(1);
            assertThat(List.of(fires(bt, "one").get(0).outcome(), fires(bt, "two").get(0).outcome()))
                    .containsExactlyInAnyOrder("started", "queued");
            Poll.until(Duration.ofSeconds(30), "both to have run", () -> fires(bt, "one").get(0).runId() != null
                    && fires(bt, "two").get(0).runId() != null);
            RunRecord a = awaitRun(bt, fires(bt, "one").get(0).runId());
            RunRecord b = awaitRun(bt, fires(bt, "two").get(0).runId());
            RunRecord later = a.startedAt().isAfter(b.startedAt()) ? a : b;
            RunRecord earlier = later == a ? b : a;
            assertThat(later.startedAt()).isAfterOrEqualTo(earlier.finishedAt());
            assertThat(llm.maxConcurrent()).isEqualTo(1);
        }
    }

    @Test
    void a_wrong_cron_or_zone_is_a_problem_naming_the_workflow_not_a_silent_no_op() throws Exception {
        save("typo", workflow("Typo", "[{\"cron\": \"61 7 * * *\", \"timezone\": \"UTC\"}, {\"cron\": \"0 7 * * *\", \"timezone\": \"Berlin\"}]"));
        save("fine", workflow("Fine", "{\"cron\": \"@daily\", \"timezone\": \"UTC\", \"overlap\": \"later\"}"));
        try (BrainTrust bt = open(Map.of())) {
            assertThat(bt.status().warnings()).anySatisfy(w -> assertThat(w)
                    .contains("workflows/typo.json: schedule 1: cron '61 7 * * *' is not valid"));
            assertThat(bt.status().warnings()).anySatisfy(w -> assertThat(w)
                    .contains("workflows/typo.json: schedule 2: timezone 'Berlin' is not an IANA time zone"));
            assertThat(bt.status().warnings()).anySatisfy(w -> assertThat(w)
                    .contains("workflows/fine.json: schedule: \"overlap\" must be skip or queue"));
            assertThat(bt.schedules().overview().problems()).hasSize(3);
            assertThat(bt.schedules().overview().schedules()).isEmpty();
        }
    }

    @Test
    void a_changed_cron_starts_a_new_history_without_catching_up_the_old_one() throws Exception {
        save("brief", workflow("Brief", "{\"cron\": \"0 * * * *\", \"timezone\": \"UTC\"}"));
        try (BrainTrust first = open(Map.of())) {
            first.schedules().tick();
        }
        save("brief", workflow("Brief", "{\"cron\": \"30 * * * *\", \"timezone\": \"UTC\"}"));
        clock.set(Instant.parse("2026-01-12T09:45:00Z"));
        try (BrainTrust second = open(Map.of())) {
            second.schedules().tick();
            assertThat(fires(second, "brief")).isEmpty();
            clock.set(Instant.parse("2026-01-12T10:30:00.050Z"));
            second.schedules().tick();
            assertThat(fires(second, "brief")).extracting(ScheduleFire::kind).containsExactly("schedule");
            awaitRun(second, fires(second, "brief").get(0).runId());
        }
    }

    @Test
    void a_fire_when_the_days_budget_is_spent_is_skipped_with_reason_budget_and_the_numbers() throws Exception {
        save("brief", workflow("Morning brief", "{\"cron\": \"0 7 * * *\", \"timezone\": \"UTC\"}"));
        save("inbox", "{\"name\": \"Inbox\", \"on\": [{\"webhook\": \"inbox\"}], \"nodes\": [{\"id\": \"t\", \"type\": \"agentNode\", "
                + "\"data\": {\"name\": \"Triage\", \"goal\": \"Sort the mail\"}}], \"edges\": []}");
        llm.script(call -> Reply.text("spent").usage(990, 10));
        try (BrainTrust bt = open(Map.of("BRAIN_TRUST_DAILY_BUDGET", "1000 tokens", "BRAIN_TRUST_TRIGGER_SECRET_INBOX", "s3cret"))) {
            bt.schedules().tick();
            RunRecord spender = bt.runs().run(dev.braintrust.workflow.Workflow.single("spender", new dev.braintrust.workflow.AgentNode(
                    "a", "A", null, null, null, "Spend", null)), "test", null); // 06:59:30: the day's 1,000 tokens
            assertThat(spender.status()).isEqualTo(RunStatus.SUCCEEDED);
            int calls = llm.calls().size();

            clock.set(Instant.parse("2026-01-12T07:00:00.200Z"));
            bt.schedules().tick();
            ScheduleService.WebhookAnswer hook = bt.schedules().webhook("inbox", Map.of("Authorization", "Bearer s3cret"),
                    "{\"subject\": \"hi\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8));

            assertThat(fires(bt, "brief")).singleElement().satisfies(f -> {
                assertThat(f.fireAt()).isEqualTo(Instant.parse("2026-01-12T07:00:00Z"));
                assertThat(f.outcome()).isEqualTo(ScheduleFire.SKIPPED);
                assertThat(f.reason()).isEqualTo("budget");
                assertThat(f.detail()).isEqualTo("today's budget of 1,000 tokens (BRAIN_TRUST_DAILY_BUDGET) is spent: "
                        + "today's model calls have used 1,000");
                assertThat(f.runId()).isNull();
            });
            assertThat(hook.status()).isEqualTo(429);
            assertThat(hook.body()).containsEntry("error", "budget");
            assertThat(bt.schedules().overview().triggers()).singleElement().satisfies(t -> assertThat(t.recent()).singleElement()
                    .satisfies(f -> assertThat(f.reason() + ": " + f.detail()).startsWith("budget: today's budget of 1,000 tokens")));
            assertThat(llm.calls()).as("no model was called for either fire").hasSize(calls);
            assertThat(bt.runs().list(10, 0)).hasSize(1);

            clock.set(Instant.parse("2026-01-13T07:00:00.200Z")); // a new day: the budget is whole again
            bt.schedules().tick();
            assertThat(fires(bt, "brief")).first().satisfies(f -> assertThat(f.outcome()).isEqualTo("started"));
            assertThat(awaitRun(bt, fires(bt, "brief").get(0).runId()).status()).isEqualTo(RunStatus.SUCCEEDED);
        }
    }
}
