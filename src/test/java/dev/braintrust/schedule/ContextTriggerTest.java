package dev.braintrust.schedule;

import dev.braintrust.BrainTrust;
import dev.braintrust.journal.RunRecord;
import dev.braintrust.journal.ScheduleFire;
import dev.braintrust.testing.LlmStandIn;
import dev.braintrust.testing.LlmStandIn.Reply;
import dev.braintrust.testing.Poll;
import dev.braintrust.testing.TestHome;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** context-changed triggers in local mode: real edits on disk, the real file watcher, the scheduler thread. */
class ContextTriggerTest {
    @TempDir
    Path dir;
    private Path home;
    @AutoClose
    private final LlmStandIn llm = new LlmStandIn();

    @BeforeEach
    void home() throws Exception {
        home = TestHome.create(dir.resolve("home"));
        TestHome.noSkills(home);
        Files.writeString(home.resolve("workflows/replan.json"), "{\"name\": \"Replan\", \"on\": [{\"context-changed\": [\"GOALS.md\"]}], "
                + "\"nodes\": [{\"id\": \"p\", \"type\": \"agentNode\", \"data\": {\"name\": \"Planner\", \"goal\": \"Update the plan\"}}], "
                + "\"edges\": []}");
    }

    private BrainTrust serve() {
        BrainTrust bt = TestHome.open(home, llm, Map.of("BRAIN_TRUST_TRIGGER_DEBOUNCE", "400ms"));
        bt.watchForChanges();
        bt.startAutomation();
        Poll.until(Duration.ofSeconds(20), "the scheduler to run", () -> bt.schedules().overview().schedulerRunning());
        return bt;
    }

    private static List<ScheduleFire> fires(BrainTrust bt) {
        return bt.schedules().overview().triggers().get(0).recent();
    }

    @Test
    void a_burst_of_edits_to_a_watched_file_runs_the_workflow_once_with_the_diff_as_input() throws Exception {
        llm.script(call -> Reply.text("new plan"));
        try (BrainTrust bt = serve()) {
            Path goals = home.resolve("context/GOALS.md");
            Files.writeString(goals, TestHome.GOALS + "\nLearn Italian.\n");
            Thread.sleep(100);
            Files.writeString(goals, TestHome.GOALS + "\nLearn Italian.\nRun a marathon.\n");
            Poll.until(Duration.ofSeconds(20), "the trigger's run", () -> bt.runs().list(10, 0).size() == 1
                    && bt.runs().list(10, 0).get(0).status().finished());
            RunRecord run = bt.runs().get(bt.runs().list(10, 0).get(0).id());
            assertThat(run.source()).isEqualTo("context-changed");
            String task = run.steps().get(0).task();
            assertThat(task).contains("Update the plan").contains("# INPUT").contains("Changed: GOALS.md")
                    .contains("--- a/GOALS.md").contains("+++ b/GOALS.md").contains("+Learn Italian.").contains("+Run a marathon.");
            assertThat(fires(bt)).singleElement().satisfies(f -> assertThat(f.kind()).isEqualTo("context-changed"));

            Files.writeString(home.resolve("context/MISSION.md"), TestHome.MISSION + "\nAnd sail.\n");
            Thread.sleep(1500);
            assertThat(bt.runs().list(10, 0)).as("a file it does not watch changes nothing").hasSize(1);
        }
    }

    @Test
    void a_run_that_edits_the_file_it_watches_does_not_trigger_itself() throws Exception {
        Path goals = home.resolve("context/GOALS.md");
        TestHome.skill(home, "add_goal.sh", """
                #!/bin/sh
                # NAME: add_goal
                # DESCRIPTION: Add a goal
                # PARAM: goal (str) - The goal
                echo "$1" >> '%s'
                echo added
                """.formatted(goals));
        llm.script(call -> call.toolResults().isEmpty() ? Reply.tool("add_goal", "{\"goal\": \"Write daily.\"}") : Reply.text("done"));
        try (BrainTrust bt = serve()) {
            Files.writeString(goals, TestHome.GOALS + "\nLearn Italian.\n");
            Poll.until(Duration.ofSeconds(20), "the trigger's run", () -> bt.runs().list(10, 0).size() == 1
                    && bt.runs().list(10, 0).get(0).status().finished());
            Poll.until(Duration.ofSeconds(20), "the run's own edit to be recorded as skipped", () -> fires(bt).size() == 2);
            Thread.sleep(1000);
            assertThat(Files.readString(goals)).contains("Write daily.");
            assertThat(bt.runs().list(10, 0)).as("it never loops on its own output").hasSize(1);
            assertThat(fires(bt).get(0).outcome()).isEqualTo("skipped");
            assertThat(fires(bt).get(0).reason()).isEqualTo("own-output");
            assertThat(fires(bt).get(1).outcome()).isEqualTo("started");

            Files.writeString(goals, TestHome.GOALS + "\nA human edit, later.\n");
            Poll.until(Duration.ofSeconds(20), "a later human edit to fire again", () -> bt.runs().list(10, 0).size() == 2);
        }
    }
}
