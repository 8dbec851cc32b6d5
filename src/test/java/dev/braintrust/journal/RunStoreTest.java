package dev.braintrust.journal;

import dev.braintrust.Config;
import dev.braintrust.testing.TestPostgres;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The run database against real SQLite files and a real PostgreSQL server. */
class RunStoreTest {
    @TempDir
    Path dir;

    /** The configuration of one database: SQLite in the home's state/, or a fresh PostgreSQL schema. */
    private Config config(String kind) {
        Map<String, String> env = new HashMap<>(Map.of("HOME", dir.toString(), "PAI_HOME", dir.resolve("home").toString()));
        if (kind.equals("postgresql")) {
            TestPostgres.Database db = TestPostgres.freshDatabase();
            env.put("BRAIN_TRUST_DB_URL", db.url());
            if (db.user() != null) {
                env.put("BRAIN_TRUST_DB_USER", db.user());
            }
            if (db.password() != null) {
                env.put("BRAIN_TRUST_DB_PASSWORD", db.password());
            }
        }
        return Config.fromEnv(env);
    }

    private RunStore open(Config config) {
        return RunStore.open(config, dir.resolve("home/state"), Clock.systemUTC());
    }

    private Connection jdbc(Config config) throws SQLException {
        if (config.dbUrl() == null) {
            return DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("home/state/brain-trust.db"));
        }
        return DriverManager.getConnection(config.dbUrl(), config.dbUser(),
                config.dbPassword() == null ? null : config.dbPassword().reveal());
    }

    static RunRecord newRun(String id, Instant startedAt) {
        List<StepRecord> steps = List.of(
                new StepRecord("a", 0, "Writer", "gpt-4o-mini", StepStatus.WAITING, "rev1", "system a", null, null,
                        List.of(), null, null, null, 0, null, null, null, null),
                new StepRecord("b", 1, "Editor", "claude-sonnet-4-5", StepStatus.WAITING, "rev1", "system b", null, null,
                        List.of(), null, null, null, 0, null, null, null, null));
        return new RunRecord(id, "Pair", RunStatus.RUNNING, "test", "rev1", 2, startedAt, null, null, null, null, steps);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql"})
    void stores_a_run_and_its_steps_and_reads_them_back(String kind) {
        Config config = config(kind);
        Instant start = Instant.parse("2026-01-02T03:04:05.678Z");
        try (RunStore store = open(config)) {
            store.insert(newRun("r1", start), "{\"nodes\":[]}");
            ToolCallRecord call = new ToolCallRecord("calculator", "{\"expression\":\"2+2\"}", "4\n", 12, "ok");
            store.saveStep("r1", new StepRecord("a", 0, "Writer", "gpt-4o-mini", StepStatus.SUCCEEDED, "rev1", "system a",
                    "the task", "the draft", List.of(call), 100, 20, 120, 2, start, start.plusMillis(1500), 1500L, null));
            store.saveStep("r1", new StepRecord("b", 1, "Editor", "claude-sonnet-4-5", StepStatus.FAILED, "rev1", "system b",
                    "edit it", null, List.of(), null, null, null, 1, start.plusMillis(1500), start.plusMillis(1600), 100L,
                    "Anthropic refused the credentials"));
            String longOutput = "x".repeat(5000);
            store.finish(new RunRecord("r1", "Pair", RunStatus.FAILED, "test", "rev1", 2, start, start.plusMillis(1600),
                    1600L, longOutput, "1 agent failed", List.of()));

            RunRecord run = store.find("r1").orElseThrow();
            assertThat(run.status()).isEqualTo(RunStatus.FAILED);
            assertThat(run.startedAt()).isEqualTo(start);
            assertThat(run.durationMs()).isEqualTo(1600L);
            assertThat(run.finalOutput()).isEqualTo(longOutput);
            assertThat(run.steps()).hasSize(2);
            StepRecord a = run.steps().get(0);
            assertThat(a.task()).isEqualTo("the task");
            assertThat(a.output()).isEqualTo("the draft");
            assertThat(a.toolCalls()).containsExactly(call);
            assertThat(a.inputTokens()).isEqualTo(100);
            assertThat(a.attempts()).isEqualTo(2);
            assertThat(a.finishedAt()).isEqualTo(start.plusMillis(1500));
            StepRecord b = run.steps().get(1);
            assertThat(b.status()).isEqualTo(StepStatus.FAILED);
            assertThat(b.inputTokens()).isNull();
            assertThat(b.error()).isEqualTo("Anthropic refused the credentials");
            assertThat(store.definition("r1")).contains("{\"nodes\":[]}");
            assertThat(store.find("nope")).isEmpty();

            store.insert(newRun("r2", start.plusSeconds(60)), null);
            List<RunSummary> list = store.list(10, 0);
            assertThat(list).extracting(RunSummary::id).containsExactly("r2", "r1");
            assertThat(list.get(1).outputExcerpt()).hasSize(RunSummary.EXCERPT_CHARS + 1).endsWith("…");
            assertThat(store.list(1, 1)).extracting(RunSummary::id).containsExactly("r1");
            assertThat(store.count()).isEqualTo(2);
        }
        try (RunStore again = open(config)) {
            assertThat(again.find("r1")).isPresent(); // migrations run once; data survives a restart
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql"})
    void a_run_left_running_by_a_dead_process_is_marked_interrupted_at_the_next_start(String kind) throws Exception {
        Config config = config(kind);
        Process dead = new ProcessBuilder("sleep", "30").start();
        String deadOwner = ownerOf(dead);
        dead.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        Process alive = new ProcessBuilder("sleep", "30").start();
        try {
            try (RunStore store = open(config)) {
                store.insert(newRun("crashed", Instant.now().minusSeconds(5)), null);
                store.insert(newRun("other-live", Instant.now()), null);
                store.insert(newRun("other-host", Instant.now()), null);
                store.insert(newRun("other-host-fresh", Instant.now()), null);
            }
            try (Connection c = jdbc(config)) {
                setOwner(c, "crashed", deadOwner, System.currentTimeMillis());
                setOwner(c, "other-live", ownerOf(alive), System.currentTimeMillis());
                setOwner(c, "other-host", "elsewhere/1/1", System.currentTimeMillis() - Duration.ofMinutes(10).toMillis());
                setOwner(c, "other-host-fresh", "elsewhere/2/2", System.currentTimeMillis());
            }
            try (RunStore store = open(config)) {
                assertThat(store.interruptedAtOpen()).extracting(RunRecord::id).containsExactlyInAnyOrder("crashed", "other-host");
                RunRecord crashed = store.find("crashed").orElseThrow();
                assertThat(crashed.status()).isEqualTo(RunStatus.INTERRUPTED);
                assertThat(crashed.error()).contains("stopped before it finished");
                assertThat(crashed.finishedAt()).isNotNull();
                assertThat(crashed.steps()).extracting(StepRecord::status).containsOnly(StepStatus.INTERRUPTED);
                assertThat(store.find("other-host").orElseThrow().error()).contains("has not reported for");
                assertThat(store.find("other-live").orElseThrow().status()).isEqualTo(RunStatus.RUNNING);
                assertThat(store.find("other-host-fresh").orElseThrow().status()).isEqualTo(RunStatus.RUNNING);
            }
        } finally {
            alive.destroyForcibly();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql"})
    void concurrent_writers_from_two_stores_lose_nothing(String kind) throws Exception {
        Config config = config(kind);
        int threads = 8;
        int runsPerThread = 15;
        try (RunStore one = open(config); RunStore two = open(config)) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                RunStore store = t % 2 == 0 ? one : two;
                int thread = t;
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < runsPerThread; i++) {
                        String id = "t" + thread + "-" + i;
                        Instant start = Instant.now();
                        store.insert(newRun(id, start), null);
                        store.saveStep(id, new StepRecord("a", 0, "Writer", "gpt-4o-mini", StepStatus.SUCCEEDED, "rev1",
                                "s", "task " + id, "out " + id, List.of(), 1, 1, 2, 1, start, start, 0L, null));
                        store.finish(new RunRecord(id, "Pair", RunStatus.SUCCEEDED, "test", "rev1", 2, start, Instant.now(),
                                1L, "out " + id, null, List.of()));
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(120, TimeUnit.SECONDS);
            }
            pool.shutdown();
            assertThat(one.count()).isEqualTo(threads * runsPerThread);
            assertThat(two.list(RunStore.MAX_LIST, 0)).hasSize(threads * runsPerThread)
                    .allSatisfy(r -> assertThat(r.status()).isEqualTo(RunStatus.SUCCEEDED));
            assertThat(one.find("t3-7").orElseThrow().steps().get(0).output()).isEqualTo("out t3-7");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql"})
    void stores_opening_a_new_database_at_the_same_moment_both_succeed(String kind) throws Exception {
        Config config = config(kind);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<RunStore>> opening = new ArrayList<>();
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            for (int i = 0; i < 3; i++) {
                opening.add(pool.submit(() -> {
                    go.await();
                    return open(config);
                }));
            }
            go.countDown();
            List<RunStore> stores = new ArrayList<>();
            for (Future<RunStore> f : opening) {
                stores.add(f.get(60, TimeUnit.SECONDS));
            }
            stores.get(0).insert(newRun("r", Instant.now()), null);
            for (RunStore store : stores) {
                assertThat(store.find("r")).isPresent();
                store.close();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static String ownerOf(Process process) {
        long start = process.toHandle().info().startInstant().orElseThrow().toEpochMilli();
        return RunOwner.current().host() + "/" + process.pid() + "/" + start;
    }

    private static void setOwner(Connection c, String id, String owner, long heartbeat) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE runs SET owner = ?, heartbeat_at = ? WHERE id = ?")) {
            ps.setString(1, owner);
            ps.setLong(2, heartbeat);
            ps.setString(3, id);
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql"})
    void keeps_the_egress_ledger_of_a_run_and_sums_it_over_a_period(String kind) {
        Config config = config(kind);
        Instant start = Instant.parse("2026-01-02T03:04:05.678Z");
        ContextShare share = new ContextShare("api.openai.com", false, List.of("MISSION.md"),
                List.of(new ContextShare.WithheldFile("HEALTH.md", "local")));
        List<StepRecord> steps = List.of(new StepRecord("a", 0, "Writer", "gpt-4o-mini", StepStatus.WAITING, "rev1", "system a",
                null, null, List.of(), null, null, null, 0, null, null, null, null, share, List.of()));
        List<ModelCallRecord.FileRef> files = List.of(new ModelCallRecord.FileRef("MISSION.md", "rev1", "a".repeat(64)),
                new ModelCallRecord.FileRef("GOALS.md", "rev1", "b".repeat(64)));
        ModelCallRecord first = new ModelCallRecord(1, "a", start.plusMillis(10), "openai", "gpt-4o-mini", "api.openai.com",
                4321L, files, List.of(new ModelCallRecord.UpstreamRef("w", "Writer", 12)),
                List.of(new ModelCallRecord.ToolResultRef("calculator", 3)), 1000, 100, 0.00021, "USD", ModelCallRecord.OK,
                1080, 90, 0.0002);
        ModelCallRecord second = new ModelCallRecord(2, "a", start.plusMillis(20), "openai", "gpt-4o-mini", "api.openai.com",
                999L, files, List.of(), List.of(), null, null, null, "USD", ModelCallRecord.OK, 500, 50, 0.0001);
        try (RunStore store = open(config)) {
            store.insert(new RunRecord("r1", "Pair", RunStatus.RUNNING, "test", "rev1", 1, start, null, null, null, null, steps), "{}",
                    Map.of("a", files));
            store.saveModelCall("r1", first);
            store.saveModelCall("r1", second);

            StepRecord step = store.find("r1").orElseThrow().steps().get(0);
            assertThat(step.context()).isEqualTo(share);
            assertThat(step.modelCalls()).containsExactly(first, second);
            assertThat(step.modelCalls().get(1).tokens()).isEqualTo("unknown");

            Spend all = store.spentSince(start);
            assertThat(all.modelCalls()).isEqualTo(2);
            assertThat(all.tokens()).isEqualTo(1100 + 550); // the second call reported nothing: its estimate counts
            assertThat(all.cost()).isCloseTo(0.00021 + 0.0001, org.assertj.core.api.Assertions.within(1e-12));
            Spend later = store.spentSince(start.plusMillis(15));
            assertThat(later.tokens()).isEqualTo(550);
            assertThat(later.cost()).isCloseTo(0.0001, org.assertj.core.api.Assertions.within(1e-12));
            UsageReport report = store.usageSince(start, java.time.ZoneOffset.UTC);
            assertThat(report.total().modelCalls()).isEqualTo(2);
            assertThat(report.total().unreportedCalls()).isEqualTo(1);
            assertThat(report.total().bytesSent()).isEqualTo(4321 + 999);
            assertThat(report.byWorkflow()).extracting(UsageReport.Group::key).containsExactly("Pair");
            assertThat(report.byDay()).extracting(UsageReport.Group::key).containsExactly("2026-01-02");
            assertThat(report.files()).extracting(f -> f.file() + ">" + f.provider() + "=" + f.calls())
                    .containsExactly("MISSION.md>openai=2", "GOALS.md>openai=2");
        }
    }
}
