package dev.braintrust.sync;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.braintrust.BrainTrustException;
import dev.braintrust.Json;
import dev.braintrust.Secret;
import dev.braintrust.journal.Journal;
import dev.braintrust.journal.JournalEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Keeps the mirror in sync and says how it stands: a sync at start, periodic syncs with backoff
 * on failure, syncs asked for by the webhook, the API or the CLI. Syncs run one at a time (on the
 * caller's thread when none is running, else on the sync thread); requests that arrive while one
 * runs share the next one, so a burst of deliveries costs a few syncs, and every caller gets a
 * sync that started after it asked.
 *
 * <p>After a sync that changed the revision, the context cache is invalidated (only then, and
 * before the caller hears of it) and the journal gets an entry (right after the answer). Every sync's record is kept (the last ones in memory, the last one in
 * {@code state/sync/last-sync.json} for {@code brain-trust status}).
 */
public final class SyncService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SyncService.class);
    /** Webhook bodies larger than this are refused (413). */
    public static final int MAX_WEBHOOK_BYTES = dev.braintrust.Config.DEFAULT_WEBHOOK_BODY_BYTES;
    /** What cloud mode means for edits made on the server, said in status and the docs. */
    public static final String NOTE = "the git repository is the source of truth: local edits on the server are "
            + "overwritten by the next sync (moved aside to " + LocalEdits.ASIDE + "/ first); change the repository instead";
    /** The first retry after a failure comes after min(interval, this); each further one waits twice as long, up to the interval. */
    static final Duration FIRST_RETRY = Duration.ofSeconds(5);
    /** How long a caller waits for its sync (the network timeout bounds a fetch well below this). */
    static final Duration LONGEST_WAIT = Duration.ofMinutes(5);
    static final int HISTORY = 50;

    private final GitMirror mirror;
    private final Journal journal;
    private final Runnable onRevisionChange;
    private final Duration interval;
    private final Secret webhookSecret;
    private final Clock clock;
    private final Path statusFile;
    private final ObjectMapper json = Json.mapper();
    private final ScheduledExecutorService executor;

    private final Object queueLock = new Object();
    private CompletableFuture<SyncResult> running;
    private CompletableFuture<SyncResult> queued;
    private String queuedTrigger;
    private boolean started;
    private boolean closed;
    private ScheduledFuture<?> nextTick;
    private volatile Instant nextSyncAt;

    private final Object recordLock = new Object();
    private final Deque<SyncResult> history = new ArrayDeque<>();
    private volatile SyncResult last;
    private volatile KeptAside lastKeptAside;
    private volatile SyncResult lastSuccess;
    private volatile int consecutiveFailures;
    /** When a push deleted the tracked branch (the last good snapshot is kept meanwhile); null once it is back. */
    private volatile Instant branchDeletedAt;
    /** Set once a snapshot exists and the caches were told about it, so a ready server never answers from a stale cache. */
    private volatile boolean ready;

    private final WebhookHandler webhook;
    private final PendingRecords pending;
    private volatile Runnable whenAnswered;
    /** Moves (previous>revision) journaled at start from the records of a killed process, not to be journaled twice. */
    private final Set<String> journaledFromRecords = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final boolean quiet;
    /** Syncs asked for so far (a warm-up stops when one comes). */
    private final java.util.concurrent.atomic.AtomicLong syncsAskedFor = new java.util.concurrent.atomic.AtomicLong();

    /**
     * @param onRevisionChange called after every sync that moved the mirror to another commit
     *                         (the context cache's invalidation)
     * @param interval         between periodic syncs; zero turns them off
     * @param webhookSecret    WEBHOOK_SECRET, or null to refuse deliveries
     */
    public SyncService(GitMirror mirror, Journal journal, Runnable onRevisionChange, Duration interval,
                       Secret webhookSecret, Clock clock) {
        this(mirror, journal, onRevisionChange, interval, webhookSecret, clock, false);
    }

    /** @param quiet the syncs are not logged but at debug level (the {@link WarmUp}'s) */
    SyncService(GitMirror mirror, Journal journal, Runnable onRevisionChange, Duration interval,
                Secret webhookSecret, Clock clock, boolean quiet) {
        this.quiet = quiet;
        this.mirror = mirror;
        this.journal = journal;
        this.onRevisionChange = onRevisionChange;
        this.interval = interval;
        this.webhookSecret = webhookSecret;
        this.clock = clock;
        this.statusFile = mirror.home().resolve("state").resolve("sync").resolve("last-sync.json");
        ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "git-sync");
            t.setDaemon(true);
            return t;
        });
        pool.setRemoveOnCancelPolicy(true);
        this.executor = pool;
        this.ready = mirror.hasSnapshot();
        this.webhook = new WebhookHandler(webhookSecret, this, mirror.home().resolve("state").resolve("webhook"));
        loadPersistedStatus();
        this.pending = new PendingRecords(mirror.home().resolve("state").resolve("sync").resolve("pending"), json);
        recoverPendingRecords();
        this.ready = mirror.hasSnapshot();
        mirror.explainMissingSnapshot(this::noSnapshotReason);
    }

    /**
     * Runs {@code prepare} on the sync thread right after each sync that moved the revision has been
     * answered, before the working tree and the journal follow: the server loads the new context snapshot
     * there, so that the reader the answer sends finds it loaded, or being loaded, instead of loading it
     * then. A failure is only logged: the reader loads it itself and sees the error.
     */
    public void whenAnswered(Runnable prepare) {
        this.whenAnswered = prepare;
    }

    /** Syncs now (in the background) and then periodically, every interval, backing off after failures. */
    public void start() {
        synchronized (queueLock) {
            started = true;
        }
        requestSync("start");
    }

    /**
     * Runs the path of a push a few times over on a scratch repository ({@link WarmUp}), on the sync
     * thread after the start's sync, so that the first real push finds its code loaded and compiled;
     * meanwhile, on a thread of its own, {@code overHttp} (a round of the server's requests to itself) runs a few
     * times over: it mostly waits for the server's answers, so the two share the machine's cores instead of
     * taking turns on one (the bench's first push comes about a second after {@code /ready}, while they run).
     * The server calls it once it answers {@code /health}: the warm-up's work never delays start-up (begun
     * before, beside the server's own start, it delayed {@code /health} by ~18%), and both stop early once a
     * real sync is asked for (which warms the same code, and should not share the machine with them).
     * {@code rendering} gets the webhook's answer to each scratch push and the context then read, for the server to
     * render as it renders them.
     */
    public void warmUpInBackground(Runnable overHttp, PushRendering rendering) {
        synchronized (queueLock) {
            if (closed || SyncTuning.WARM_UP_PUSHES <= 0) {
                return;
            }
            long asked = syncsAskedFor.get();
            java.util.function.BooleanSupplier realSyncCame = () -> syncsAskedFor.get() != asked;
            executor.execute(() -> {
                warmUpRecords(); // before the scratch pushes: a real push may come before they end, as in the bench
                WarmUp.run(warmUpScratch(), SyncTuning.WARM_UP_PUSHES, realSyncCame, rendering);
            });
            Thread requests = new Thread(() -> {
                for (int i = 0; i < SyncTuning.WARM_UP_REQUEST_ROUNDS && !realSyncCame.getAsBoolean(); i++) {
                    overHttp.run();
                }
            }, "http-warm-up");
            requests.setDaemon(true);
            requests.start();
        }
    }

    /**
     * Asks for a sync and waits for it: one that started after this call, possibly shared with
     * other callers. When no sync is running, it runs on the calling thread (no hand-off).
     *
     * @throws BrainTrustException.Unavailable when the sync failed; the message says why and never holds a credential
     * @throws BrainTrustException.BadConfig   when the home is not a clone of the repository
     */
    public SyncResult syncNow(String trigger) {
        SyncResult result = await(reserve(trigger).runIfMine());
        if (result.failed()) {
            throw new BrainTrustException.Unavailable(result.error());
        }
        return result;
    }

    /** Asks for a sync without waiting; the future completes (never exceptionally) with its record. */
    public CompletableFuture<SyncResult> requestSync(String trigger) {
        Ticket ticket = reserve(trigger);
        if (ticket.mine()) {
            submit(ticket.future(), trigger);
        }
        return ticket.future();
    }

    /**
     * A place in the next sync. {@code mine} means no sync was running: the holder must run it
     * (on its own thread, or hand it to the sync thread); otherwise the future is the sync queued
     * behind the running one, which the running one starts when it ends.
     */
    record Ticket(CompletableFuture<SyncResult> future, boolean mine, String trigger, SyncService service) {
        CompletableFuture<SyncResult> runIfMine() {
            if (mine) {
                service.runSync(future, trigger);
            }
            return future;
        }
    }

    Ticket reserve(String trigger) {
        syncsAskedFor.incrementAndGet();
        synchronized (queueLock) {
            if (closed) {
                return new Ticket(CompletableFuture.completedFuture(SyncResult.failed(clock.instant(), trigger,
                        mirror.revision(), Duration.ZERO, "the server is shutting down")), false, trigger, this);
            }
            if (running == null) {
                running = new CompletableFuture<>();
                return new Ticket(running, true, trigger, this);
            }
            if (queued == null) {
                queued = new CompletableFuture<>();
                queuedTrigger = trigger;
            }
            return new Ticket(queued, false, trigger, this);
        }
    }

    private void submit(CompletableFuture<SyncResult> future, String trigger) {
        executor.execute(() -> runSync(future, trigger));
    }

    private void runSync(CompletableFuture<SyncResult> future, String trigger) {
        SyncResult result;
        try {
            result = doSync(trigger);
        } catch (Throwable t) {
            result = SyncResult.failed(clock.instant(), trigger, mirror.revision(), Duration.ZERO,
                    "unexpected " + t.getClass().getSimpleName() + " during the sync");
        }
        // on disk before the answer, so that a kill right after it loses no journal entry
        PendingRecords.Record record = null;
        if (result.revisionChanged()) {
            SyncSteps.Timer timer = new SyncSteps.Timer();
            record = pending.keep(result);
            timer.lap("journal: pending record");
            result = result.withSteps(timer.steps());
        }
        future.complete(result);
        synchronized (queueLock) {
            if (!closed) {
                SyncResult answered = result;
                PendingRecords.Record pendingRecord = record;
                executor.execute(() -> afterAnswer(answered, pendingRecord)); // in order: one sync thread
            } else if (record != null) {
                record.leave(); // the next start writes its journal entry
            }
            if (queued != null && !closed) {
                running = queued;
                queued = null;
                submit(running, queuedTrigger);
            } else {
                running = null;
            }
            scheduleNextLocked();
        }
    }

    /**
     * What follows the answer, on the sync thread: the working tree and the branch when the sync left them
     * ({@link GitMirror#sync(String, boolean)}), the log line, the status file, the journal entry (then its
     * pending record is deleted), and packing when due.
     */
    private void afterAnswer(SyncResult result, PendingRecords.Record record) {
        SyncSteps.Timer timer = new SyncSteps.Timer();
        Runnable prepare = whenAnswered;
        if (prepare != null && result.revisionChanged() && SyncTuning.LOAD_AFTER_ANSWER) {
            try {
                prepare.run();
            } catch (RuntimeException e) {
                log.debug("preparing the revision {} after its answer failed: {}", shortId(result.revision()), e.toString());
            }
            timer.lap("snapshot build");
        }
        SyncResult full = result;
        if (!result.failed()) {
            try {
                KeptAside kept = mirror.settle(timer);
                if (kept != null) {
                    full = result.withKeptAside(kept);
                    synchronized (recordLock) {
                        lastKeptAside = kept;
                    }
                }
            } catch (BrainTrustException e) {
                log.warn("the working tree of {} could not follow the sync to {} ({}); it is served all the same, "
                        + "and the next sync repairs the working tree", mirror.home(), shortId(result.revision()), e.getMessage());
            }
        }
        persistStatus();
        timer.lap("status file");
        boolean journaledAtStart = journaledFromRecords.remove(full.previous() + ">" + full.revision());
        if ((full.revisionChanged() && !journaledAtStart) || full.keptAside() != null) {
            writeJournal(full, false);
            timer.lap("journal append (and its fsync)");
        }
        if (record != null) {
            record.close();
            timer.lap("journal: pending record deleted");
        }
        if (result.revisionChanged()) {
            mirror.maintain();
            timer.lap("maintenance");
        }
        if (SyncTuning.LOG_STEPS && result.revisionChanged() && !quiet) {
            log.info("after the answer to the sync to {}: {}", result.revision(), timer.steps().toMillis());
        }
    }

    private SyncResult doSync(String trigger) {
        Instant at = clock.instant();
        long t0 = System.nanoTime();
        SyncResult result;
        try {
            // a delivery is answered once the new commit is served; the working tree follows (afterAnswer)
            result = mirror.sync(trigger, !(SyncTuning.SETTLE_AFTER_ANSWER && WebhookHandler.TRIGGER.equals(trigger)));
        } catch (BrainTrustException e) {
            result = SyncResult.failed(at, trigger, mirror.revision(), Duration.ofNanos(System.nanoTime() - t0), e.getMessage());
        }
        if (result.revisionChanged()) {
            SyncSteps.Timer timer = new SyncSteps.Timer();
            onRevisionChange.run();
            timer.lap("context invalidation");
            result = result.withSteps(timer.steps());
        }
        record(result);
        if (result.revisionChanged()) {
            ready = true;
            if (!quiet) {
                log.info("synced {}: {} -> {} ({} changed, {} ms, {})", mirror.remote(), shortId(result.previous()),
                        shortId(result.revision()), paths(result.changedCount()), result.durationMs(), trigger);
            }
        } else if (result.failed()) {
            log.warn("sync of {} failed ({}): {}", mirror.remote(), trigger, result.error());
        } else {
            log.debug("synced {}: unchanged at {} ({} ms)", mirror.remote(), shortId(result.revision()), result.durationMs());
        }
        return result;
    }

    private void record(SyncResult result) {
        synchronized (recordLock) {
            last = result;
            if (result.keptAside() != null) {
                lastKeptAside = result.keptAside();
            }
            if (result.failed()) {
                consecutiveFailures++;
            } else {
                lastSuccess = result;
                consecutiveFailures = 0;
                branchDeletedAt = null;
            }
            history.addFirst(result);
            while (history.size() > HISTORY) {
                history.removeLast();
            }
        }
    }

    /** @param recovered the entry of a sync whose process was stopped before it could write it (see {@link PendingRecords}) */
    private void writeJournal(SyncResult r, boolean recovered) {
        String summary = (r.previous() == null ? "first clone at " + shortId(r.revision())
                : shortId(r.previous()) + " → " + shortId(r.revision())) + "; " + paths(r.changedCount()) + " changed"
                + (r.changed().isEmpty() ? "" : ": " + String.join(", ", r.changed().subList(0, Math.min(20, r.changed().size())))
                + (r.changedCount() > 20 ? ", …" : ""));
        if (r.keptAside() != null) {
            summary = "Local edits kept: " + r.keptAside().describe() + ". " + summary;
        }
        if (recovered) {
            summary += " (written at the next start: the server stopped right after this sync)";
        }
        try {
            journal.append(new JournalEntry(r.time(), "Sync from " + mirror.remote().displayUrl() + " (" + mirror.remote().branch()
                    + ", " + r.trigger() + ")", "synced", r.duration(), r.revision(), List.of(), null, summary));
        } catch (RuntimeException e) {
            log.warn("the sync to {} could not be written to the journal: {}", shortId(r.revision()), e.getMessage());
        }
    }

    /** "1 path", "2 paths". */
    static String paths(int count) {
        return count + (count == 1 ? " path" : " paths");
    }

    private static String shortId(String revision) {
        return revision == null ? "(none)" : revision.substring(0, Math.min(12, revision.length()));
    }

    // --- periodic syncs and backoff ------------------------------------------------------------

    private void scheduleNextLocked() {
        if (!started || closed || interval.isZero() || interval.isNegative()) {
            return;
        }
        if (nextTick != null) {
            nextTick.cancel(false);
        }
        Duration delay = delayAfter(consecutiveFailures, interval);
        nextSyncAt = clock.instant().plus(delay);
        nextTick = executor.schedule(() -> {
            requestSync("periodic");
        }, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * The wait before the next periodic sync: the interval after a success; after {@code n}
     * failures in a row, min(interval, 5 s) × 2^(n-1), never more than the interval (a poll never
     * waits longer than BRAIN_TRUST_SYNC_INTERVAL, however long the outage).
     */
    static Duration delayAfter(int failures, Duration interval) {
        if (failures <= 0) {
            return interval;
        }
        Duration first = interval.compareTo(FIRST_RETRY) < 0 ? interval : FIRST_RETRY;
        long factor = 1L << Math.min(failures - 1, 30);
        Duration delay = first.multipliedBy(factor);
        return delay.compareTo(interval) > 0 || delay.isNegative() ? interval : delay;
    }

    // --- status --------------------------------------------------------------------------------

    public SyncStatus status() {
        SyncResult l = last;
        SyncResult s = lastSuccess;
        boolean periodic = !interval.isZero() && !interval.isNegative();
        return new SyncStatus(mirror.remote().displayUrl(), mirror.remote().branch(), ready(), mirror.revision(),
                l == null ? null : l.time(),
                l == null ? null : l.outcome().name().toLowerCase(java.util.Locale.ROOT),
                l == null ? null : l.revision(),
                l == null ? null : l.error(),
                l == null ? null : l.durationMs(),
                s == null ? null : s.time(),
                consecutiveFailures,
                periodic ? nextSyncAt : null,
                periodic ? interval : Duration.ZERO,
                webhookSecret != null,
                NOTE,
                branchDeletedNote(),
                lastKeptAside,
                mirror.pinState());
    }

    /**
     * A push deleted the tracked branch: nothing is synced (there is nothing to move to), the last
     * good snapshot stays, and status says so until a sync succeeds again (the branch is back).
     */
    void branchDeleted(String trigger) {
        synchronized (recordLock) {
            branchDeletedAt = clock.instant();
        }
        log.warn("the branch {} was deleted on {} ({}); the last good snapshot {} is kept until the branch returns",
                mirror.remote().branch(), mirror.remote().displayUrl(), trigger, shortId(mirror.revision()));
        synchronized (queueLock) {
            if (!closed) {
                executor.execute(this::persistStatus);
            }
        }
    }

    private String branchDeletedNote() {
        Instant at = branchDeletedAt;
        return at == null ? null : "the branch " + mirror.remote().branch() + " was deleted on the remote at " + at
                + "; the last good snapshot" + (mirror.revision() == null ? "" : " (" + mirror.revision() + ")")
                + " is kept, and the next push to the branch is synced";
    }

    /** True once the mirror has a snapshot to serve; it stays true when later syncs fail. */
    public boolean ready() {
        return ready;
    }

    /**
     * For {@code /ready}: null once a snapshot exists (failures after that do not take the server
     * out of service), else why there is none yet.
     */
    public String readinessProblem() {
        if (ready) {
            return null;
        }
        return noSnapshotReason();
    }

    /**
     * Why there is no snapshot yet, in one line: the first clone is under way ("cloning URL (first
     * start)", not a problem) until an attempt failed; then that failure; and in a process that never
     * started syncing (a CLI command), that nothing was cloned here.
     */
    String noSnapshotReason() {
        SyncResult l = last;
        String url = mirror.remote().displayUrl();
        if (l != null && l.failed()) {
            return "no snapshot yet: the first sync from " + url + " failed: " + l.error();
        }
        synchronized (queueLock) {
            if (started || running != null) {
                return "cloning " + url + " (first start)";
            }
        }
        return "no snapshot yet: " + url + " has not been cloned into " + mirror.home()
                + "; start the server, or run 'brain-trust sync --once'";
    }

    /** True while the first clone is under way and no attempt has failed: not-ready is expected, nothing to warn of. */
    public boolean cloningFirst() {
        return !ready && noSnapshotReason().startsWith("cloning ");
    }

    /**
     * For {@code /ready}: null while syncs succeed; after failed syncs with a snapshot to serve, what
     * fails (the server stays ready: it serves the last good snapshot).
     */
    public String readinessFailure() {
        int failures = consecutiveFailures;
        SyncResult l = last;
        if (!ready || failures == 0 || l == null || !l.failed()) {
            return null;
        }
        SyncResult good = lastSuccess;
        return (failures == 1 ? "the last sync failed" : "the last " + failures + " syncs failed") + ": " + l.error()
                + "; serving " + shortId(mirror.revision()) + (good == null ? "" : ", last synced at " + good.time());
    }

    /**
     * For {@code /ready}: null while the server follows the branch; when it is pinned, "pinned to X, N commits
     * behind main" (the server is ready, and says it is held back).
     */
    public String readinessPinned() {
        GitMirror.PinState pin = mirror.pinState();
        return pin == null ? null : pin.note();
    }

    /**
     * Pins the server to a commit (see {@link GitMirror#pin}): it serves that commit until {@link #unpin()}. Runs
     * between syncs, never during one. The context cache is told, and the journal gets an entry.
     */
    public GitMirror.PinState pin(String commit, String by) {
        String before = mirror.revision();
        GitMirror.PinState pin = mirror.pin(commit);
        if (!pin.commit().equals(before)) {
            onRevisionChange.run();
        }
        ready = true;
        synchronized (queueLock) {
            if (!closed) {
                executor.execute(this::persistStatus);
            }
        }
        try {
            journal.append(new JournalEntry(clock.instant(), "Pinned to " + shortId(pin.commit()) + " (" + by + ")", "pinned",
                    Duration.ZERO, pin.commit(), List.of(), null, pin.note() + "; was " + shortId(before)));
        } catch (RuntimeException e) {
            log.warn("the pin could not be written to the journal: {}", e.getMessage());
        }
        return pin;
    }

    /**
     * Follows the branch again: unpins and syncs now, so the head is served when this returns.
     *
     * @throws BrainTrustException.Unavailable when that sync failed (the server is unpinned; the next sync retries)
     */
    public SyncResult unpin(String by) {
        boolean was = mirror.unpin();
        SyncResult result = syncNow("unpin (" + by + ")");
        if (was) {
            try {
                journal.append(new JournalEntry(clock.instant(), "Unpinned (" + by + ")", "synced", result.duration(),
                        result.revision(), List.of(), null, "following " + mirror.remote().branch() + " again at " + shortId(result.revision())));
            } catch (RuntimeException e) {
                log.warn("the unpin could not be written to the journal: {}", e.getMessage());
            }
        }
        return result;
    }

    /** For {@code /ready}: the revision served and the last sync, with its error when it failed. */
    public Map<String, Object> readinessReport() {
        SyncStatus s = status();
        Map<String, Object> report = new java.util.LinkedHashMap<>();
        report.put("repository", s.repository());
        report.put("branch", s.branch());
        report.put("revision", s.revision());
        report.put("lastSyncAt", s.lastSyncAt());
        report.put("lastOutcome", s.lastOutcome());
        report.put("lastError", s.lastError());
        report.put("consecutiveFailures", s.consecutiveFailures());
        if (s.pin() != null) {
            report.put("pinned", s.pin().note());
        }
        return report;
    }

    /** The records of the last syncs, newest first. */
    public List<SyncResult> history() {
        synchronized (recordLock) {
            return List.copyOf(history);
        }
    }

    /**
     * Writes and reads a sample record with this service's own mapper, which builds its serializers for a
     * type the first time it meets it (a few milliseconds each): the first push then finds them built.
     */
    private void warmUpRecords() {
        try {
            Instant now = clock.instant();
            String id = "0".repeat(40);
            KeptAside kept = new KeptAside(now, "state/sync/kept/sample", List.of("context/GOALS.md"));
            SyncResult sample = new SyncResult(now, WebhookHandler.TRIGGER, SyncResult.Outcome.UPDATED, id, id,
                    List.of("context/GOALS.md"), 1, Duration.ofMillis(1), null, kept, new SyncSteps(Map.of("checkout", 1L)));
            json.readValue(json.writeValueAsBytes(sample), SyncResult.class);
            json.readValue(json.writeValueAsBytes(new Persisted(sample, sample, 0, now, kept)), Persisted.class);
        } catch (IOException | RuntimeException e) {
            log.debug("warming the sync records up failed: {}", e.toString());
        }
    }

    private record Persisted(SyncResult last, SyncResult lastSuccess, int consecutiveFailures, Instant branchDeletedAt,
                             KeptAside lastKeptAside) {
    }

    private void persistStatus() {
        synchronized (recordLock) {
            writeStatusFile();
        }
    }

    private void writeStatusFile() {
        try {
            Files.createDirectories(statusFile.getParent());
            Path temp = statusFile.resolveSibling(statusFile.getFileName() + ".tmp");
            Files.write(temp, json.writeValueAsBytes(new Persisted(last, lastSuccess, consecutiveFailures, branchDeletedAt,
                    lastKeptAside)));
            Files.move(temp, statusFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            log.debug("cannot write {}: {}", statusFile, e.getMessage());
        }
    }

    /** Journals the syncs a killed process answered but did not journal, and brings the status up to the last of them. */
    private void recoverPendingRecords() {
        List<SyncResult> left = pending.recover();
        for (SyncResult r : left) {
            writeJournal(r, true);
            // when the killed process served it without moving the branch, the start's sync makes the same move again
            journaledFromRecords.add(r.previous() + ">" + r.revision());
            SyncResult l = last;
            if (l == null || r.time().isAfter(l.time())) {
                record(r);
            }
        }
        if (!left.isEmpty()) {
            log.info("journaled {} sync(s) that the last server answered but stopped before writing down", left.size());
            persistStatus();
            SyncResult latest = left.get(left.size() - 1);
            if (mirror.resumeServed(latest.revision())) {
                log.info("serving {} again, as the last server did when it stopped; the working tree follows at the first sync",
                        shortId(latest.revision()));
                onRevisionChange.run();
            }
        }
    }

    private void loadPersistedStatus() {
        try {
            Persisted p = json.readValue(Files.readAllBytes(statusFile), Persisted.class);
            last = p.last();
            lastSuccess = p.lastSuccess();
            consecutiveFailures = Math.max(0, p.consecutiveFailures());
            branchDeletedAt = p.branchDeletedAt();
            lastKeptAside = p.lastKeptAside();
        } catch (NoSuchFileException e) {
            // never synced here
        } catch (IOException | RuntimeException e) {
            log.debug("ignoring an unreadable {}: {}", statusFile, e.getMessage());
        }
    }

    // --- the webhook ---------------------------------------------------------------------------

    /**
     * Serves a webhook delivery (ARCHITECTURE.md §3), whatever the HTTP server: 503 without a
     * secret, 413 over 25 MiB, 403 for a missing or wrong signature, 503 with
     * {@link WebhookResponse#retryAfterSeconds()} when too many bodies are being read already, 200
     * for a ping, 202 for other events, other branches and a push that deleted the branch, 200 with
     * the sync's record for a push to the tracked branch (the sync is done before answering), 503
     * when that sync failed. A delivery id seen before is answered without a second sync. Bodies
     * may be JSON or GitHub's form encoding ({@code payload=...}, by their {@code Content-Type}).
     *
     * @param headers the request headers (names in any case)
     * @param body    the raw body; streamed here, at most 25 MiB and one byte
     */
    public WebhookResponse handleWebhook(Map<String, String> headers, InputStream body) {
        return webhook.handle(headers, body);
    }

    /** The webhook of a server in local mode: the same checks, then 409, since there is nothing to sync. */
    public static WebhookResponse handleWebhookWithoutMirror(Secret secret, Map<String, String> headers, InputStream body) {
        return webhookWithoutMirror(secret).handle(headers, body);
    }

    /** A webhook endpoint, whatever serves it over HTTP. */
    @FunctionalInterface
    public interface Webhook {
        /** See {@link SyncService#handleWebhook}. */
        WebhookResponse handle(Map<String, String> headers, InputStream body);
    }

    /** The webhook of a server in local mode, for the server's lifetime (one bound on the bodies read at once). */
    public static Webhook webhookWithoutMirror(Secret secret) {
        return new WebhookHandler(secret, null, null)::handle;
    }

    GitMirror mirror() {
        return mirror;
    }

    SyncResult await(CompletableFuture<SyncResult> future) {
        try {
            return future.get(LONGEST_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BrainTrustException.Unavailable("interrupted while waiting for the sync");
        } catch (ExecutionException e) {
            throw new BrainTrustException.Unavailable("the sync failed unexpectedly", e.getCause());
        } catch (TimeoutException e) {
            throw new BrainTrustException.Unavailable("the sync did not finish within " + LONGEST_WAIT.toMinutes()
                    + " minutes; it goes on in the background");
        }
    }

    @Override
    public void close() {
        CompletableFuture<SyncResult> waiting;
        synchronized (queueLock) {
            closed = true;
            if (nextTick != null) {
                nextTick.cancel(false);
            }
            waiting = queued;
            queued = null;
        }
        if (waiting != null) {
            waiting.complete(SyncResult.failed(clock.instant(), "shutdown", mirror.revision(), Duration.ZERO,
                    "the server is shutting down"));
        }
        executor.shutdown();
        try {
            if (!executor.awaitTermination(GitRemote.DEFAULT_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
        if (last != null) {
            persistStatus(); // the last word of a short-lived process (sync --once) is on disk
        }
        WarmUp.deleteScratch(warmUpScratch()); // the warm-up, if one ran, has ended with the sync thread
    }

    /** Where the start-up warm-up keeps its scratch repositories, until this service closes. */
    private Path warmUpScratch() {
        return mirror.home().resolve("state").resolve("sync").resolve("warm-up");
    }
}
