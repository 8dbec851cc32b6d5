package dev.braintrust.journal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.braintrust.BrainTrustException;
import dev.braintrust.Config;
import dev.braintrust.Json;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The run database (ARCHITECTURE.md §5): every run and every agent step. Embedded SQLite at
 * {@code state/brain-trust.db} by default, PostgreSQL when {@code BRAIN_TRUST_DB_URL} is a
 * {@code jdbc:postgresql:} URL (several replicas may share it). The schema is migrated by Flyway
 * when the store opens.
 *
 * <p>A run records the process that owns it and a heartbeat. When a store opens, and then at every
 * heartbeat, runs still marked running whose process is gone (same host, process no longer alive)
 * or whose heartbeat is older than {@link #STALE_AFTER} (another host) are marked
 * {@link RunStatus#INTERRUPTED}: a crash never leaves a run running forever.
 *
 * <p>Safe for concurrent writers: SQLite runs in WAL mode with a busy timeout (for other
 * processes) and this process writes through one lock; PostgreSQL handles concurrency itself.
 */
public final class RunStore implements AutoCloseable {
    static final Duration HEARTBEAT = dev.braintrust.Config.DEFAULT_RUN_HEARTBEAT;
    static final Duration STALE_AFTER = dev.braintrust.Config.DEFAULT_RUN_STALE_AFTER;
    static final int SQLITE_BUSY_TIMEOUT_MS = 15_000;
    private static final int MIGRATION_ATTEMPTS = 10;
    public static final int MAX_LIST = 1000;
    /** The longest names the schema's VARCHAR columns hold, in characters (code points, as PostgreSQL counts them). */
    public static final int MAX_WORKFLOW_NAME = 512;
    public static final int MAX_NODE_ID = 256;
    public static final int MAX_AGENT_NAME = 512;
    public static final int MAX_MODEL_NAME = 256;

    private static final Logger log = LoggerFactory.getLogger(RunStore.class);
    private static final ObjectMapper JSON = Json.mapper();
    private static final TypeReference<List<ToolCallRecord>> TOOL_CALLS = new TypeReference<>() {
    };
    private static final String SUMMARY_COLUMNS = "id, workflow, status, source, revision, agent_count, started_at, "
            + "finished_at, duration_ms, error";
    private static final String PREFIXED_SUMMARY_COLUMNS = "r.id, r.workflow, r.status, r.source, r.revision, r.agent_count, "
            + "r.started_at, r.finished_at, r.duration_ms, r.error";

    private final HikariDataSource pool;
    private final ReentrantLock writeLock;
    private final Clock clock;
    private final RunOwner owner;
    private final String description;
    private final ScheduledExecutorService heartbeat;
    private final List<RunRecord> interruptedAtOpen;
    private final ScheduleLedger schedules = new ScheduleLedger(this);
    private final ApprovalLedger approvals = new ApprovalLedger(this);
    private final NotificationLedger notifications = new NotificationLedger(this);
    private final ReplayLedger replays = new ReplayLedger(this);

    private RunStore(HikariDataSource pool, boolean sqlite, Clock clock, RunOwner owner, String description) {
        this.pool = pool;
        this.writeLock = sqlite ? new ReentrantLock() : null;
        this.clock = clock;
        this.owner = owner;
        this.description = description;
        this.interruptedAtOpen = List.copyOf(markAbandonedRuns());
        this.heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "run-store-heartbeat");
            t.setDaemon(true);
            return t;
        });
        heartbeat.scheduleWithFixedDelay(this::beat, HEARTBEAT.toMillis(), HEARTBEAT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Opens (and migrates) the database the configuration names.
     *
     * @param stateDir where the default SQLite file lives ({@code PAI_HOME/state})
     * @throws BrainTrustException.BadConfig   when BRAIN_TRUST_DB_URL is neither PostgreSQL nor SQLite
     * @throws BrainTrustException.Unavailable when the database cannot be reached or migrated
     */
    public static RunStore open(Config config, Path stateDir, Clock clock) {
        return open(config, stateDir, clock, true);
    }

    /**
     * Opens the database for a client of a home that a server owns ({@code brain-trust mcp}): the
     * schema is checked, never migrated.
     *
     * @throws BrainTrustException.Unavailable when the database cannot be reached, or its schema is
     *                                         not this version's yet (the message says to start the server once)
     */
    public static RunStore openWithoutMigrating(Config config, Path stateDir, Clock clock) {
        return open(config, stateDir, clock, false);
    }

    private static RunStore open(Config config, Path stateDir, Clock clock, boolean migrate) {
        String url = config.dbUrl();
        boolean sqlite;
        String description;
        HikariConfig hikari = new HikariConfig();
        hikari.setPoolName("run-store");
        hikari.setConnectionTimeout(10_000);
        hikari.setMinimumIdle(1);
        if (url == null || url.startsWith("jdbc:sqlite:")) {
            sqlite = true;
            if (url == null) {
                Path file = stateDir.resolve("brain-trust.db");
                try {
                    Files.createDirectories(stateDir);
                } catch (IOException e) {
                    throw new BrainTrustException.BadConfig("cannot create " + stateDir + ": " + e.getMessage(), e);
                }
                url = "jdbc:sqlite:" + file;
            }
            description = "SQLite " + url.substring("jdbc:sqlite:".length());
            hikari.setDriverClassName("org.sqlite.JDBC");
            hikari.setMaximumPoolSize(4);
            hikari.addDataSourceProperty("journal_mode", "WAL");
            hikari.addDataSourceProperty("synchronous", "NORMAL");
            hikari.addDataSourceProperty("busy_timeout", String.valueOf(SQLITE_BUSY_TIMEOUT_MS));
            hikari.addDataSourceProperty("foreign_keys", "true");
        } else if (url.startsWith("jdbc:postgresql:")) {
            sqlite = false;
            description = "PostgreSQL " + withoutQuery(url);
            hikari.setDriverClassName("org.postgresql.Driver");
            hikari.setMaximumPoolSize(8);
            if (config.dbUser() != null) {
                hikari.setUsername(config.dbUser());
            }
            if (config.dbPassword() != null) {
                hikari.setPassword(config.dbPassword().reveal());
            }
        } else {
            throw new BrainTrustException.BadConfig("BRAIN_TRUST_DB_URL must start with jdbc:postgresql: (or jdbc:sqlite:), not '"
                    + withoutQuery(url) + "'; unset it to use SQLite in state/brain-trust.db");
        }
        hikari.setJdbcUrl(url);
        HikariDataSource pool;
        try {
            pool = new HikariDataSource(hikari);
        } catch (RuntimeException e) {
            throw new BrainTrustException.Unavailable("cannot open the run database (" + description + "): "
                    + rootMessage(e), e);
        }
        try {
            if (migrate) {
                migrate(pool, description);
            } else {
                requireMigrated(pool, description);
            }
            return new RunStore(pool, sqlite, clock, RunOwner.current(), description);
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
    }

    /**
     * Migrates the schema. Two stores opening a new SQLite file at the same moment (two processes,
     * or two threads) can collide: SQLite then answers SQLITE_BUSY_SNAPSHOT, which its busy timeout
     * does not cover. The loser tries again; by then the winner's migration is committed and there is
     * nothing left to do.
     */
    private static void migrate(HikariDataSource pool, String description) {
        for (int attempt = 1; ; attempt++) {
            try {
                flyway(pool).migrate();
                return;
            } catch (FlywayException e) {
                if (attempt >= MIGRATION_ATTEMPTS || !rootMessage(e).contains("SQLITE_BUSY")) {
                    throw new BrainTrustException.Unavailable("cannot migrate the run database (" + description + "): "
                            + rootMessage(e), e);
                }
                try {
                    Thread.sleep(50L * attempt);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new BrainTrustException.Unavailable("interrupted while migrating the run database", interrupted);
                }
            }
        }
    }

    private static void requireMigrated(HikariDataSource pool, String description) {
        int pending;
        try {
            pending = flyway(pool).info().pending().length;
        } catch (FlywayException e) {
            throw new BrainTrustException.Unavailable("cannot read the schema of the run database (" + description + "): "
                    + rootMessage(e), e);
        }
        if (pending > 0) {
            throw new BrainTrustException.Unavailable("the run database (" + description + ") is not set up for this version yet ("
                    + pending + " migration" + (pending == 1 ? "" : "s") + " to apply); start 'brain-trust serve' once, "
                    + "which migrates it, then try again");
        }
    }

    private static Flyway flyway(HikariDataSource pool) {
        return Flyway.configure()
                .dataSource(pool)
                .locations("classpath:db/migration")
                .table("brain_trust_schema_history")
                .load();
    }

    /** In words, without credentials: "SQLite /home/me/.pai/state/brain-trust.db" or "PostgreSQL jdbc:postgresql://db/bt". */
    public String description() {
        return description;
    }

    /** The runs this store found abandoned by a dead process when it opened, now marked interrupted. */
    public List<RunRecord> interruptedAtOpen() {
        return interruptedAtOpen;
    }

    /** The fires of schedules and triggers, and the schedules' pause state (issue 17). */
    public ScheduleLedger schedules() {
        return schedules;
    }

    /** The approvals asked of a human, pending and decided (issue 17). */
    public ApprovalLedger approvals() {
        return approvals;
    }

    /** Notification deliveries and their outcome (issue 17). */
    public NotificationLedger notifications() {
        return notifications;
    }

    /** Which runs replay which (issue 15). */
    public ReplayLedger replays() {
        return replays;
    }

    /** Every context revision a stored run recorded: history pruning keeps these versions (issue 15). */
    public java.util.Set<String> revisionsInUse() {
        return read(c -> {
            java.util.Set<String> revisions = new java.util.HashSet<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT DISTINCT revision FROM runs WHERE revision IS NOT NULL");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    revisions.add(rs.getString(1));
                }
            }
            return revisions;
        }, "read the revisions runs used");
    }

    /** This process, as recorded in the {@code owner} of its runs and the claims of its fires: {@code host/pid/start}. */
    public String ownerId() {
        return owner.toString();
    }

    /** Records a run's status while it goes on (running, waiting); {@link #finish} records the end. */
    public void setStatus(String id, RunStatus status) {
        write(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE runs SET status = ?, heartbeat_at = ? WHERE id = ?")) {
                ps.setString(1, status.label());
                ps.setLong(2, clock.millis());
                ps.setString(3, id);
                ps.executeUpdate();
            }
            return null;
        }, "record the status of run " + id);
    }

    /**
     * The runs waiting for an approval whose process is gone (same host, process dead; or no heartbeat for
     * {@link #STALE_AFTER}), and those of this process (it may have closed and opened its services again):
     * a process that takes them over with {@link #adopt} continues them.
     */
    public List<String> orphanedWaitingRuns() {
        record Candidate(String id, String owner, long heartbeatAt) {
        }
        List<Candidate> waiting = read(c -> {
            List<Candidate> found = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT id, owner, heartbeat_at FROM runs WHERE status = ?")) {
                ps.setString(1, RunStatus.WAITING.label());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        found.add(new Candidate(rs.getString(1), rs.getString(2), rs.getLong(3)));
                    }
                }
            }
            return found;
        }, "find waiting runs");
        long now = clock.millis();
        return waiting.stream()
                .filter(w -> owner.toString().equals(w.owner())
                        || owner.abandonmentReason(w.owner(), now - w.heartbeatAt(), STALE_AFTER) != null)
                .map(Candidate::id).toList();
    }

    /** True when this process owns the run (its own, or adopted). */
    public boolean ownsRun(String id) {
        return read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT owner FROM runs WHERE id = ?")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() && owner.toString().equals(rs.getString(1));
                }
            }
        }, "read the owner of run " + id);
    }

    /**
     * Takes over a waiting run whose process is gone; exactly one process wins when several try at once.
     *
     * @return true when this process now owns the run
     */
    public boolean adopt(String id) {
        String previous = read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT owner, heartbeat_at FROM runs WHERE id = ? AND status = ?")) {
                ps.setString(1, id);
                ps.setString(2, RunStatus.WAITING.label());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return null;
                    }
                    String other = rs.getString(1);
                    return owner.toString().equals(other)
                            || owner.abandonmentReason(other, clock.millis() - rs.getLong(2), STALE_AFTER) != null ? other : null;
                }
            }
        }, "read run " + id);
        if (previous == null) {
            return false;
        }
        if (previous.equals(owner.toString())) {
            return true;
        }
        return write(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE runs SET owner = ?, heartbeat_at = ? WHERE id = ? AND owner = ?")) {
                ps.setString(1, owner.toString());
                ps.setLong(2, clock.millis());
                ps.setString(3, id);
                ps.setString(4, previous);
                return ps.executeUpdate() == 1;
            }
        }, "take over run " + id);
    }

    /**
     * Stores a new run (status running) and its steps (waiting), owned by this process.
     *
     * @throws BrainTrustException.BadInput when a name could not be stored the same way by SQLite and
     *                                      PostgreSQL (too long for its column, or holding a NUL); nothing is stored
     */
    public void insert(RunRecord run, String definition) {
        insert(run, definition, Map.of());
    }

    /**
     * As {@link #insert(RunRecord, String)}, with the context files each agent's system prompt carries
     * (node id to files): what every model call of that agent sends, for the egress ledger.
     */
    public void insert(RunRecord run, String definition, Map<String, List<ModelCallRecord.FileRef>> contextFiles) {
        checkName("the workflow name", run.workflow(), MAX_WORKFLOW_NAME);
        for (StepRecord s : run.steps()) {
            checkName("the node id '" + excerptOf(s.nodeId()) + "'", s.nodeId(), MAX_NODE_ID);
            checkName("the agent name of node '" + excerptOf(s.nodeId()) + "'", s.agent(), MAX_AGENT_NAME);
            checkName("the model of node '" + excerptOf(s.nodeId()) + "'", s.model(), MAX_MODEL_NAME);
        }
        writeTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO runs (id, workflow, status, source, revision, "
                    + "agent_count, started_at, finished_at, duration_ms, owner, heartbeat_at, error, output_excerpt) "
                    + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, run.id());
                ps.setString(2, run.workflow());
                ps.setString(3, run.status().label());
                ps.setString(4, run.source());
                ps.setString(5, run.revision());
                ps.setInt(6, run.agentCount());
                ps.setLong(7, run.startedAt().toEpochMilli());
                setLong(ps, 8, millis(run.finishedAt()));
                setLong(ps, 9, run.durationMs());
                ps.setString(10, owner.toString());
                ps.setLong(11, clock.millis());
                setText(ps, 12, run.error());
                setText(ps, 13, ToolCallRecord.excerpt(run.finalOutput(), RunSummary.EXCERPT_CHARS));
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO run_outputs (run_id, final_output, definition) "
                    + "VALUES (?, ?, ?)")) {
                ps.setString(1, run.id());
                setText(ps, 2, run.finalOutput());
                setText(ps, 3, definition);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO steps (run_id, node_id, position, agent, model, "
                    + "status, revision, system_prompt, task, output, tool_calls, input_tokens, output_tokens, "
                    + "total_tokens, attempts, started_at, finished_at, duration_ms, error, context_share) "
                    + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                for (StepRecord s : run.steps()) {
                    ps.setString(1, run.id());
                    ps.setString(2, s.nodeId());
                    ps.setInt(3, s.position());
                    ps.setString(4, s.agent());
                    ps.setString(5, s.model());
                    ps.setString(6, s.status().label());
                    ps.setString(7, s.revision());
                    setText(ps, 8, s.systemPrompt());
                    bindProgress(ps, 9, s);
                    LedgerTables.setContextShare(ps, 20, s.context());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            LedgerTables.insertContextFiles(c, run.id(), contextFiles);
        }, "store run " + run.id());
    }

    /**
     * Binds, from parameter {@code first} on, the eleven columns a step fills in as it runs: task,
     * output, tool_calls, input/output/total tokens, attempts, started_at, finished_at, duration_ms, error.
     */
    private static void bindProgress(PreparedStatement ps, int first, StepRecord s) throws SQLException {
        setText(ps, first, s.task());
        setText(ps, first + 1, s.output());
        setText(ps, first + 2, toJson(s.toolCalls()));
        setInt(ps, first + 3, s.inputTokens());
        setInt(ps, first + 4, s.outputTokens());
        setInt(ps, first + 5, s.totalTokens());
        ps.setInt(first + 6, s.attempts());
        setLong(ps, first + 7, millis(s.startedAt()));
        setLong(ps, first + 8, millis(s.finishedAt()));
        setLong(ps, first + 9, s.durationMs());
        setText(ps, first + 10, s.error());
    }

    /** Updates one step of a stored run. */
    public void saveStep(String runId, StepRecord s) {
        write(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE steps SET status = ?, task = ?, output = ?, tool_calls = ?, "
                    + "input_tokens = ?, output_tokens = ?, total_tokens = ?, attempts = ?, started_at = ?, finished_at = ?, "
                    + "duration_ms = ?, error = ?, system_prompt = ? WHERE run_id = ? AND node_id = ?")) {
                ps.setString(1, s.status().label());
                bindProgress(ps, 2, s);
                setText(ps, 13, s.systemPrompt());
                ps.setString(14, runId);
                ps.setString(15, s.nodeId());
                ps.executeUpdate();
            }
            return null;
        }, "save step " + s.nodeId() + " of run " + runId);
    }

    /**
     * Adds one entry to the egress ledger: a model call of a stored run. Its context files are those
     * stored with the run for its agent ({@link #insert(RunRecord, String, Map)}), not written again.
     */
    public void saveModelCall(String runId, ModelCallRecord call) {
        write(c -> {
            LedgerTables.insert(c, runId, call);
            return null;
        }, "record model call " + call.seq() + " of run " + runId);
    }

    /** The context files each agent of a run carries, by node id, as stored when the run started. */
    public Map<String, List<ModelCallRecord.FileRef>> contextFiles(String runId) {
        return read(c -> LedgerTables.contextFiles(c, runId), "read the context files of run " + runId);
    }

    /** What budgets count for the model calls since {@code since}, every run and process together. */
    public Spend spentSince(Instant since) {
        return read(c -> LedgerTables.spentSince(c, since), "sum the model calls since " + since);
    }

    /**
     * The egress ledger summed over the calls since {@code since}: per provider, host, model,
     * workflow, day (in {@code zone}) and context file.
     */
    public UsageReport usageSince(Instant since, ZoneId zone) {
        return read(c -> UsageReport.of(since, clock.instant(), LedgerTables.since(c, since), LedgerTables.filesSince(c, since),
                zone), "sum the model calls since " + since);
    }

    /** Records the end of a run: status, end time, duration, final output, error. */
    public void finish(RunRecord run) {
        writeTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE runs SET status = ?, finished_at = ?, duration_ms = ?, "
                    + "output_excerpt = ?, error = ?, heartbeat_at = ? WHERE id = ?")) {
                ps.setString(1, run.status().label());
                setLong(ps, 2, millis(run.finishedAt()));
                setLong(ps, 3, run.durationMs());
                setText(ps, 4, ToolCallRecord.excerpt(run.finalOutput(), RunSummary.EXCERPT_CHARS));
                setText(ps, 5, run.error());
                ps.setLong(6, clock.millis());
                ps.setString(7, run.id());
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE run_outputs SET final_output = ? WHERE run_id = ?")) {
                setText(ps, 1, run.finalOutput());
                ps.setString(2, run.id());
                ps.executeUpdate();
            }
        }, "finish run " + run.id());
    }

    /** A run with its steps, in execution order. */
    public Optional<RunRecord> find(String id) {
        return read(c -> {
            RunRecord run;
            try (PreparedStatement ps = c.prepareStatement("SELECT " + PREFIXED_SUMMARY_COLUMNS + ", o.final_output FROM runs r "
                    + "LEFT JOIN run_outputs o ON o.run_id = r.id WHERE r.id = ?")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    RunSummary s = summary(rs, "final_output");
                    run = new RunRecord(s.id(), s.workflow(), s.status(), s.source(), s.revision(), s.agentCount(),
                            s.startedAt(), s.finishedAt(), s.durationMs(), rs.getString("final_output"), s.error(), List.of());
                }
            }
            List<StepRecord> steps = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT * FROM steps WHERE run_id = ? ORDER BY position")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        steps.add(step(rs));
                    }
                }
            }
            Map<String, List<ModelCallRecord>> ledger = LedgerTables.ofRun(c, id);
            steps.replaceAll(s -> s.withModelCalls(ledger.getOrDefault(s.nodeId(), List.of())));
            return Optional.of(new RunRecord(run.id(), run.workflow(), run.status(), run.source(), run.revision(),
                    run.agentCount(), run.startedAt(), run.finishedAt(), run.durationMs(), run.finalOutput(), run.error(), steps));
        }, "read run " + id);
    }

    /** The workflow JSON a run was started with, as stored. */
    public Optional<String> definition(String id) {
        return read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT definition FROM run_outputs WHERE run_id = ?")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.<String>empty();
                }
            }
        }, "read run " + id);
    }

    /**
     * Runs, newest first.
     *
     * @param limit  at most this many (capped at {@value #MAX_LIST})
     * @param offset skip this many of the newest
     */
    public List<RunSummary> list(int limit, int offset) {
        int capped = Math.max(0, Math.min(limit, MAX_LIST));
        return read(c -> {
            List<RunSummary> runs = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT " + SUMMARY_COLUMNS + ", output_excerpt FROM runs "
                    + "ORDER BY started_at DESC, id DESC LIMIT ? OFFSET ?")) {
                ps.setInt(1, capped);
                ps.setInt(2, Math.max(0, offset));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        runs.add(summary(rs, "output_excerpt"));
                    }
                }
            }
            return runs;
        }, "list runs");
    }

    public int count() {
        return read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM runs"); ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }, "count runs");
    }

    /** Keeps this process's running runs fresh and marks other processes' abandoned runs interrupted. */
    void beat() {
        try {
            write(c -> {
                try (PreparedStatement ps = c.prepareStatement("UPDATE runs SET heartbeat_at = ? WHERE owner = ? AND status IN (?, ?)")) {
                    ps.setLong(1, clock.millis());
                    ps.setString(2, owner.toString());
                    ps.setString(3, RunStatus.RUNNING.label());
                    ps.setString(4, RunStatus.WAITING.label());
                    ps.executeUpdate();
                }
                return null;
            }, "heartbeat");
            markAbandonedRuns();
        } catch (RuntimeException e) {
            log.warn("run database heartbeat failed: {}", e.getMessage());
        }
    }

    private List<RunRecord> markAbandonedRuns() {
        record Candidate(String id, String owner, long heartbeatAt) {
        }
        List<Candidate> running = read(c -> {
            List<Candidate> found = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT id, owner, heartbeat_at FROM runs WHERE status = ?")) {
                ps.setString(1, RunStatus.RUNNING.label());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        found.add(new Candidate(rs.getString(1), rs.getString(2), rs.getLong(3)));
                    }
                }
            }
            return found;
        }, "find abandoned runs");
        long now = clock.millis();
        List<RunRecord> marked = new ArrayList<>();
        for (Candidate candidate : running) {
            String reason = owner.abandonmentReason(candidate.owner(), now - candidate.heartbeatAt(), STALE_AFTER);
            if (reason != null && markInterrupted(candidate.id(), reason, now)) {
                find(candidate.id()).ifPresent(marked::add);
            }
        }
        if (!marked.isEmpty()) {
            log.warn("marked {} run(s) interrupted: their process stopped before they finished", marked.size());
        }
        return marked;
    }

    private boolean markInterrupted(String id, String reason, long now) {
        return write(c -> {
            int changed;
            try (PreparedStatement ps = c.prepareStatement("UPDATE runs SET status = ?, finished_at = ?, "
                    + "duration_ms = ? - started_at, error = ? WHERE id = ? AND status = ?")) {
                ps.setString(1, RunStatus.INTERRUPTED.label());
                ps.setLong(2, now);
                ps.setLong(3, now);
                ps.setString(4, reason);
                ps.setString(5, id);
                ps.setString(6, RunStatus.RUNNING.label());
                changed = ps.executeUpdate();
            }
            if (changed > 0) {
                try (PreparedStatement ps = c.prepareStatement("UPDATE steps SET status = ?, error = ? WHERE run_id = ? "
                        + "AND status IN (?, ?)")) {
                    ps.setString(1, StepStatus.INTERRUPTED.label());
                    ps.setString(2, reason);
                    ps.setString(3, id);
                    ps.setString(4, StepStatus.WAITING.label());
                    ps.setString(5, StepStatus.RUNNING.label());
                    ps.executeUpdate();
                }
            }
            return changed > 0;
        }, "mark run " + id + " interrupted");
    }

    private static RunSummary summary(ResultSet rs, String outputColumn) throws SQLException {
        return new RunSummary(rs.getString("id"), rs.getString("workflow"), RunStatus.parse(rs.getString("status")),
                rs.getString("source"), rs.getString("revision"), rs.getInt("agent_count"),
                Instant.ofEpochMilli(rs.getLong("started_at")), instant(getLong(rs, "finished_at")),
                getLong(rs, "duration_ms"), ToolCallRecord.excerpt(rs.getString(outputColumn), RunSummary.EXCERPT_CHARS),
                rs.getString("error"));
    }

    private static StepRecord step(ResultSet rs) throws SQLException {
        return new StepRecord(rs.getString("node_id"), rs.getInt("position"), rs.getString("agent"), rs.getString("model"),
                StepStatus.parse(rs.getString("status")), rs.getString("revision"), rs.getString("system_prompt"),
                rs.getString("task"), rs.getString("output"), fromJson(rs.getString("tool_calls")),
                getInt(rs, "input_tokens"), getInt(rs, "output_tokens"), getInt(rs, "total_tokens"), rs.getInt("attempts"),
                instant(getLong(rs, "started_at")), instant(getLong(rs, "finished_at")), getLong(rs, "duration_ms"),
                rs.getString("error"), LedgerTables.contextShare(rs), List.of());
    }

    /**
     * Refuses a name both databases would not store alike: SQLite keeps any length and NUL, PostgreSQL
     * refuses a value longer than its VARCHAR column, and text holding NUL.
     */
    private static void checkName(String what, String value, int maxChars) {
        if (value == null) {
            return;
        }
        if (value.indexOf('\u0000') >= 0) {
            throw new BrainTrustException.BadInput(what + " contains a NUL character (\\u0000), which the run database "
                    + "cannot store; remove it");
        }
        int chars = value.codePointCount(0, value.length());
        if (chars > maxChars) {
            throw new BrainTrustException.BadInput(what + " is " + chars + " characters long; the run database keeps at most "
                    + maxChars + ": shorten it");
        }
    }

    private static String excerptOf(String text) {
        return text == null ? "" : ToolCallRecord.excerpt(text, 40);
    }

    /**
     * Free text (prompts, outputs, errors, tool calls) as both databases store it alike: a NUL
     * (PostgreSQL refuses it in text) and a lone UTF-16 surrogate (not valid Unicode, which each
     * driver would mangle its own way) become U+FFFD. Everything else, characters beyond the BMP
     * included, is kept as it is.
     */
    static String storable(String text) {
        if (text == null) {
            return null;
        }
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean bad;
            if (c == '\u0000') {
                bad = true;
            } else if (Character.isHighSurrogate(c)) {
                bad = i + 1 >= text.length() || !Character.isLowSurrogate(text.charAt(i + 1));
                if (!bad) {
                    if (out != null) {
                        out.append(c).append(text.charAt(i + 1));
                    }
                    i++;
                    continue;
                }
            } else {
                bad = Character.isLowSurrogate(c);
            }
            if (bad && out == null) {
                out = new StringBuilder(text.length()).append(text, 0, i);
            }
            if (out != null) {
                out.append(bad ? '\uFFFD' : c);
            }
        }
        return out == null ? text : out.toString();
    }

    private static void setText(PreparedStatement ps, int index, String value) throws SQLException {
        ps.setString(index, storable(value));
    }

    @FunctionalInterface
    interface Work<T> {
        T apply(Connection c) throws SQLException;
    }

    <T> T read(Work<T> work, String what) {
        try (Connection c = pool.getConnection()) {
            return work.apply(c);
        } catch (SQLException | RuntimeException e) {
            throw unavailable(what, e);
        }
    }

    <T> T write(Work<T> work, String what) {
        if (writeLock != null) {
            writeLock.lock();
        }
        try (Connection c = pool.getConnection()) {
            return work.apply(c);
        } catch (SQLException | RuntimeException e) {
            throw unavailable(what, e);
        } finally {
            if (writeLock != null) {
                writeLock.unlock();
            }
        }
    }

    /** As {@link #write}, in one transaction: committed when {@code work} returns, rolled back when it throws. */
    private void writeTransaction(SqlAction work, String what) {
        write(c -> {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                work.run(c);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(autoCommit);
            }
            return null;
        }, what);
    }

    @FunctionalInterface
    private interface SqlAction {
        void run(Connection c) throws SQLException;
    }

    private BrainTrustException unavailable(String what, Exception e) {
        if (e instanceof BrainTrustException bt) {
            return bt;
        }
        return new BrainTrustException.Unavailable("the run database (" + description + ") failed to " + what + ": "
                + rootMessage(e), e);
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        return message.lines().findFirst().orElse(message);
    }

    private static String withoutQuery(String url) {
        int q = url.indexOf('?');
        return q < 0 ? url : url.substring(0, q);
    }

    private static String toJson(List<ToolCallRecord> calls) {
        try {
            return JSON.writeValueAsString(calls);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("tool calls are plain records", e);
        }
    }

    private static List<ToolCallRecord> fromJson(String text) {
        if (text == null || text.isBlank()) {
            return List.of();
        }
        try {
            return JSON.readValue(text, TOOL_CALLS);
        } catch (JsonProcessingException e) {
            return List.of();
        }
    }

    static Long millis(Instant instant) {
        return instant == null ? null : instant.toEpochMilli();
    }

    static Instant instant(Long millis) {
        return millis == null ? null : Instant.ofEpochMilli(millis);
    }

    static void setLong(PreparedStatement ps, int index, Long value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.BIGINT);
        } else {
            ps.setLong(index, value);
        }
    }

    static void setInt(PreparedStatement ps, int index, Integer value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.INTEGER);
        } else {
            ps.setInt(index, value);
        }
    }

    static Long getLong(ResultSet rs, String column) throws SQLException {
        long value = rs.getLong(column);
        return rs.wasNull() ? null : value;
    }

    static Integer getInt(ResultSet rs, String column) throws SQLException {
        int value = rs.getInt(column);
        return rs.wasNull() ? null : value;
    }

    @Override
    public void close() {
        heartbeat.shutdownNow();
        pool.close();
    }
}
