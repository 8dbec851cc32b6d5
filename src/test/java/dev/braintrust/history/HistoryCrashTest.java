package dev.braintrust.history;

import dev.braintrust.Config;
import dev.braintrust.home.PaiHome;
import dev.braintrust.testing.ChildJvm;
import dev.braintrust.testing.TestHome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Processes that record history, killed with SIGKILL at random moments; and one without any git on its PATH. */
class HistoryCrashTest {
    @TempDir
    Path dir;

    @Test
    void a_kill_during_a_history_commit_leaves_a_readable_history_that_records_again() throws Exception {
        Path home = TestHome.create(dir.resolve("home"));
        Random random = new Random(15);
        int kills = 6;
        for (int k = 0; k < kills; k++) {
            Process writer = ChildJvm.start(HistoryWriter.class, Map.of(), home.toString(), "0");
            try (BufferedReader out = new BufferedReader(new InputStreamReader(writer.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                int recorded = 0;
                int wanted = 3 + random.nextInt(10);
                while ((line = out.readLine()) != null && recorded < wanted) {
                    assertThat(line).startsWith("recorded");
                    recorded++;
                }
                Thread.sleep(random.nextInt(15)); // somewhere inside the next recording
                writer.destroyForcibly(); // SIGKILL
                assertThat(writer.waitFor(10, TimeUnit.SECONDS)).isTrue();
            }
        }
        // What a kill in the middle of moving the branch leaves, whether or not one of the kills above hit it:
        java.nio.file.Files.writeString(home.resolve("state/history/refs/heads/history.lock"), "0123");
        try (LocalHistory history = LocalHistory.open(new PaiHome(home),
                new Config.HistorySettings(Duration.ofDays(90), Duration.ZERO), Clock.systemUTC())) {
            List<Version> versions = history.list(null, History.MAX_PAGE, 0).versions();
            assertThat(versions).hasSizeGreaterThan(kills * 3);
            for (Version v : versions) {
                for (VersionFiles.Entry file : history.files(v.id()).files()) {
                    assertThat(history.read(v.id(), file.path())).hasSize((int) file.bytes());
                }
            }
            assertThat(history.record(History.EDIT, null)).as("the home changed after the last recorded version, or not")
                    .satisfiesAnyOf(o -> assertThat(o).isEmpty(), o -> assertThat(o).isPresent());
            java.nio.file.Files.writeString(home.resolve("context/MISSION.md"), "after the crashes\n");
            assertThat(history.record(History.EDIT, null)).isPresent();
            assertThat(history.list(null, 1, 0).versions().get(0).files()).extracting(FileChange::path)
                    .containsExactly("context/MISSION.md");
        }
    }

    @Test
    void recording_needs_no_git_program() throws Exception {
        Path home = TestHome.create(dir.resolve("home"));
        ProcessBuilder pb = ChildJvm.builder(HistoryWriter.class, Map.of("PATH", dir.resolve("no-such-bin").toString()),
                home.toString(), "3").redirectErrorStream(true);
        Process writer = pb.start();
        String output = new String(writer.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(writer.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(writer.exitValue()).as(output).isZero();
        assertThat(output).contains("recorded 3");
        try (LocalHistory history = LocalHistory.open(new PaiHome(home),
                new Config.HistorySettings(Duration.ofDays(90), Duration.ZERO), Clock.systemUTC())) {
            assertThat(history.list(null, 10, 0).versions()).hasSize(3);
        }
    }
}
