package dev.braintrust.schedule;

import dev.braintrust.BrainTrust;
import dev.braintrust.journal.RunSummary;
import dev.braintrust.journal.ScheduleFire;
import dev.braintrust.testing.LlmStandIn;
import dev.braintrust.testing.LlmStandIn.Reply;
import dev.braintrust.testing.MutableClock;
import dev.braintrust.testing.Poll;
import dev.braintrust.testing.TestHome;
import dev.braintrust.testing.TestPostgres;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/** Two replicas on one PostgreSQL database, each with its own home and scheduler, racing for the same fires. */
class ScheduleReplicasTest {
    static final int FIRES = 20;
    @TempDir
    Path dir;
    @AutoClose
    private final LlmStandIn llm = new LlmStandIn();
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-12T06:59:30Z"));

    private BrainTrust replica(String name, TestPostgres.Database db) throws Exception {
        Path home = TestHome.create(dir.resolve(name));
        TestHome.noSkills(home);
        Files.writeString(home.resolve("workflows/pulse.json"), ScheduleServiceTest.workflow("Pulse",
                "{\"cron\": \"* * * * *\", \"timezone\": \"UTC\"}"));
        Map<String, String> env = new HashMap<>();
        env.put("BRAIN_TRUST_DB_URL", db.url());
        env.put("BRAIN_TRUST_DB_USER", db.user());
        if (db.password() != null) {
            env.put("BRAIN_TRUST_DB_PASSWORD", db.password());
        }
        return BrainTrust.open(TestHome.config(home, llm, env), clock);
    }

    @Test
    void each_of_twenty_fires_runs_exactly_once_across_two_replicas() throws Exception {
        llm.script(call -> Reply.text("beat"));
        TestPostgres.Database db = TestPostgres.freshDatabase();
        ExecutorService both = Executors.newFixedThreadPool(2);
        try (BrainTrust a = replica("a", db); BrainTrust b = replica("b", db)) {
            a.schedules().tick();
            b.schedules().tick();
            CyclicBarrier together = new CyclicBarrier(2);
            for (int i = 0; i < FIRES; i++) {
                clock.set(Instant.parse("2026-01-12T07:00:00.050Z").plus(Duration.ofMinutes(i)));
                List<Future<Long>> ticks = List.of(
                        both.submit(() -> {
                            together.await();
                            return a.schedules().tick();
                        }),
                        both.submit(() -> {
                            together.await();
                            return b.schedules().tick();
                        }));
                for (Future<Long> tick : ticks) {
                    tick.get();
                }
                int fired = i + 1;
                Poll.until(Duration.ofSeconds(30), "the runs of " + fired + " fires to finish", () -> a.runs().list(100, 0).size() == fired
                        && a.runs().list(100, 0).stream().allMatch(r -> r.status().finished()));
            }
            List<ScheduleFire> fires = a.schedules().schedule("pulse").recent();
            assertThat(fires).hasSize(FIRES).allSatisfy(f -> {
                assertThat(f.outcome()).isEqualTo("started");
                assertThat(f.kind()).isEqualTo("schedule");
            });
            assertThat(fires).extracting(ScheduleFire::fireAt).doesNotHaveDuplicates();
            List<RunSummary> runs = b.runs().list(100, 0);
            assertThat(runs).hasSize(FIRES).allSatisfy(r -> assertThat(r.source()).isEqualTo("schedule"));
            assertThat(fires).extracting(ScheduleFire::runId).containsExactlyInAnyOrderElementsOf(runs.stream().map(RunSummary::id).toList());
            assertThat(llm.requestCount()).isEqualTo(FIRES);
        } finally {
            both.shutdownNow();
        }
    }
}
