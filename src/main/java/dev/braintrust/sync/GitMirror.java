package dev.braintrust.sync;

import dev.braintrust.BrainTrustException;
import dev.braintrust.context.ContextSource;
import dev.braintrust.home.PaiHome;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.errors.NoWorkTreeException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.StoredConfig;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.errors.NotSupportedException;
import org.eclipse.jgit.lib.NullProgressMonitor;
import org.eclipse.jgit.transport.FetchConnection;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The server's copy of the repository that is the source of truth: a git clone in {@code PAI_HOME}
 * that a sync moves to exactly the remote branch head, force-pushes included, never merging and
 * never stopping on a conflict or a lock left by a crash.
 *
 * <p>Readers never look at the working tree, which a sync rewrites file by file. Context is read
 * from the objects of the current commit ({@link #contextSource}), and skills and workflows from a
 * checkout of that whole commit (but its logs/ and state/) under {@code state/sync/checkouts/} ({@link #skillsFolder()}),
 * written before the mirror switches to it. Switching is one volatile write, so every reader sees
 * one whole commit, the old one or the new one. The working tree is kept equal to the commit for
 * the people who look at the folder; a local edit the next sync would overwrite is first moved
 * aside under {@code state/sync/overwritten/}, and a home with commits the remote lacks is refused
 * ({@link LocalEdits}).
 *
 * <p>{@code logs/} and {@code state/} are never touched: they are excluded from git, and a commit
 * that contains such folders is checked out without them.
 */
public final class GitMirror implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GitMirror.class);
    /** How long a sync waits for another process's sync of the same home. */
    static final Duration LOCK_WAIT = Duration.ofMinutes(2);
    /** Entries a folder may hold and still count as empty: ours, and what a fresh volume has. */
    private static final Set<String> NOT_USER_FILES = Set.of("logs", "state", "lost+found");
    private static final String ORIGIN = "origin";
    /** Above this many pack files, {@link #maintain()} repacks. */
    static final int MAX_PACKS = 20;
    /**
     * Above about this many loose objects (what {@link LocalSource} writes for a small push: four for a push
     * of one file, so about 500 such pushes), {@link #maintain()} packs them. Estimated as {@code git gc --auto}
     * does, from one of the 256 object folders; git's own limit is 6,700.
     */
    static final int MAX_LOOSE_OBJECTS = 2000;
    /** How long the checkout of a replaced commit is kept by default: longer than the default skill timeout. */
    static final Duration DEFAULT_RETIRED_LIFETIME = Duration.ofMinutes(1);
    /** Blobs over this size are streamed, never loaded whole. */
    static final int STREAM_FILE_THRESHOLD = 2 * 1024 * 1024;

    static {
        // JGit measures each file system's timestamp resolution once (seconds on some disks) and
        // saves it in ~/.config/jgit; in the background, no sync waits for it.
        org.eclipse.jgit.util.FS.FileStoreAttributes.setBackground(true);
        // A blob larger than this is streamed (to the working tree, to a checkout) instead of held whole
        // in memory; JGit's default, 50 MiB, is most of the launcher's 128 MiB heap.
        org.eclipse.jgit.storage.file.WindowCacheConfig cache = new org.eclipse.jgit.storage.file.WindowCacheConfig();
        cache.setStreamFileThreshold(STREAM_FILE_THRESHOLD);
        cache.install();
    }

    private final Path home;
    private final GitRemote remote;
    private final Path gitDir;
    private final Path syncDir;
    private final CheckoutStore checkouts;
    private final GitTransport transport;
    /** The remote read directly when it is a repository on this machine; else null. */
    private final LocalSource local;
    private final long retiredLifetimeNanos;
    /** Checkouts replaced by a newer commit, and when: a skill started from one may still be running. */
    private final Map<ObjectId, Long> retired = new HashMap<>();
    /** Checkouts a replay of an older revision runs skills from, and how many replays hold each. */
    private final Map<ObjectId, Integer> leased = new HashMap<>();
    private final Path pinFile;
    /** The commit the server is pinned to (it serves it and does not follow the branch), or null. */
    private volatile ObjectId pinned;
    private final Object lock = new Object();
    private volatile Repository repo;
    private volatile Checkout current;
    private volatile java.util.function.Supplier<String> missingSnapshotReason;
    private boolean workTreeVerified;
    /** The served commit is not yet the working tree's and the branch's: {@link #settle(SyncSteps.Timer)} is due. */
    private boolean settleDue;
    /**
     * The served commit's checkout, when {@link #settle(SyncSteps.Timer)} is still to write it, and the checkout it may
     * link unchanged files to; null when it is written.
     */
    private PendingCheckout checkoutDue;
    /** The commit this process last moved the branch to. */
    private ObjectId settledCommit;
    /** The commit the current one replaced: its checkout is kept whatever the retired lifetime. */
    private ObjectId replaced;
    private boolean configured;
    private boolean repairDue = true;
    private long packsAfterLastGc;

    /**
     * The commit the mirror serves, and its checkout.
     *
     * @param commit the commit id, which is the context revision
     * @param folder the checkout of the commit: all its files but logs/ and state/
     */
    record Checkout(ObjectId commit, ObjectId tree, Path folder) {
    }

    private record PendingCheckout(RevCommit commit, Checkout previous) {
    }

    private GitMirror(Path home, GitRemote remote, Duration retiredLifetime) {
        this.retiredLifetimeNanos = retiredLifetime.toNanos();
        this.home = home;
        this.remote = remote;
        this.gitDir = home.resolve(Constants.DOT_GIT);
        this.syncDir = home.resolve("state").resolve("sync");
        this.checkouts = new CheckoutStore(syncDir.resolve("checkouts"));
        this.transport = new GitTransport(remote);
        this.local = SyncTuning.DIRECT_LOCAL_READ ? LocalSource.of(remote) : null;
        this.pinFile = syncDir.resolve("pin");
        this.missingSnapshotReason = () -> "no snapshot yet: " + remote.displayUrl() + " has not been cloned into " + home
                + "; start the server, or run 'brain-trust sync --once'";
    }

    /**
     * Opens the mirror in {@code home} without touching the network: the last commit synced (if
     * any) is served at once. A home that does not exist or is empty is cloned into by the first
     * {@link #sync}.
     *
     * @throws BrainTrustException.BadConfig when the home holds something else than a clone of
     *                                       this remote; the message says how to fix it
     */
    public static GitMirror open(Path home, GitRemote remote) {
        return open(home, remote, DEFAULT_RETIRED_LIFETIME);
    }

    /**
     * As {@link #open(Path, GitRemote)}, keeping the checkout of a replaced commit for
     * {@code retiredLifetime} (at least the skill timeout), so a skill that started from it keeps its files.
     */
    public static GitMirror open(Path home, GitRemote remote, Duration retiredLifetime) {
        Path root = home.toAbsolutePath().normalize();
        if (Files.exists(root) && !Files.isDirectory(root)) {
            throw new BrainTrustException.BadConfig("PAI_HOME " + root + " is a file, not a folder; move it away or set PAI_HOME to a folder");
        }
        GitMirror mirror = new GitMirror(root, remote, retiredLifetime);
        try {
            mirror.adopt();
            mirror.pinned = mirror.readPin(true);
            mirror.current = mirror.loadLastSynced();
        } catch (RuntimeException e) {
            mirror.close();
            throw e;
        }
        return mirror;
    }

    public GitRemote remote() {
        return remote;
    }

    public Path home() {
        return home;
    }

    /** The revision served now (a commit id), or null before the first successful sync. */
    public String revision() {
        Checkout c = current;
        return c == null ? null : c.commit().name();
    }

    /**
     * Serves {@code revision} again: a process killed right after answering a sync to it had served it
     * without moving the branch (HEAD still names the commit before), so what readers saw before the kill
     * they see after the restart. Only when its objects are here; its checkout is written now when the kill
     * came before it was (a webhook's sync writes it after the answer). The next sync then moves the
     * working tree and the branch to it first.
     *
     * @return true when the mirror now serves {@code revision} and did not before
     */
    boolean resumeServed(String revision) {
        synchronized (lock) {
            Checkout c = current;
            if (repo == null || pinned != null || revision == null || !ObjectId.isId(revision)
                    || (c != null && c.commit().name().equals(revision))) {
                return false;
            }
            ObjectId id = ObjectId.fromString(revision);
            try (RevWalk walk = new RevWalk(repo)) {
                if (!repo.getObjectDatabase().has(id)) {
                    return false;
                }
                RevCommit commit = walk.parseCommit(id);
                if (!checkouts.has(id)) {
                    try (FileMutex ignored = FileMutex.acquire(syncDir.resolve("sync.lock"), LOCK_WAIT)) {
                        checkouts.materialise(repo, commit, c);
                    }
                }
                if (c != null) {
                    replaced = c.commit().copy();
                }
                current = new Checkout(commit.copy(), commit.getTree().copy(), checkouts.folderOf(commit));
                settleDue = true;
                return true;
            } catch (IOException | RuntimeException e) {
                log.warn("cannot serve {} again after the restart ({}); the first sync brings it back", revision,
                        transport.clean(e.getMessage()));
                return false;
            }
        }
    }

    /** True once a snapshot exists: the mirror has a commit to serve. */
    public boolean hasSnapshot() {
        return current != null;
    }

    Checkout current() {
        return current;
    }

    /** Says why there is no snapshot yet (the sync service knows: cloning, failed, or never started). */
    void explainMissingSnapshot(java.util.function.Supplier<String> reason) {
        this.missingSnapshotReason = reason;
    }

    String missingSnapshotReason() {
        return missingSnapshotReason.get();
    }

    /** Where the skills of the current commit are; a folder that does not exist before the first sync. */
    public Path skillsFolder() {
        return currentFolder().resolve("skills");
    }

    /** Where the saved workflows of the current commit are; a folder that does not exist before the first sync. */
    public Path workflowsFolder() {
        return currentFolder().resolve("workflows");
    }

    private Path currentFolder() {
        Checkout c = current;
        if (c == null) {
            return checkouts.root().resolve("none");
        }
        if (!Files.isDirectory(c.folder())) {
            rematerialise(c); // deleted by hand, or by another process's clean-up
        }
        return c.folder();
    }

    /** Context read from the objects of the current commit: the revision is the commit id. */
    public ContextSource contextSource(Clock clock) {
        return contextSource(clock, dev.braintrust.context.ContextLimits.DEFAULT);
    }

    /** As {@link #contextSource(Clock)}, reading at most {@code limits} of the commit's context. */
    public ContextSource contextSource(Clock clock, dev.braintrust.context.ContextLimits limits) {
        return new CommitContextSource(this, clock, limits);
    }

    Repository repository() {
        return repo;
    }

    /**
     * Fetches the tracked branch and moves the mirror to exactly its head. Clones first when the
     * home has no repository yet, and repairs what a crash left first when this is the process's
     * first sync or the last one failed.
     *
     * @param trigger what asked for the sync, recorded in the result
     * @return the record of the sync: updated (new revision) or unchanged
     * @throws BrainTrustException.Unavailable when the remote cannot be reached, refuses the
     *                                         credentials, or lacks the branch; the mirror keeps
     *                                         serving its last commit. The message never holds a credential.
     * @throws BrainTrustException.BadConfig   when the home is not a clone of this remote
     */
    public SyncResult sync(String trigger) {
        return sync(trigger, true);
    }

    /**
     * As {@link #sync(String)}, but when {@code settleNow} is false the mirror serves the new commit
     * (its objects fetched, its checkout written) and leaves the rest, the working tree, the index,
     * the branch and remote-tracking refs and the removal of old checkouts, to {@link #settle(SyncSteps.Timer)}, which
     * the caller runs after answering (the next sync runs it first if the caller has not). Readers never
     * look at those, so nothing a reader sees waits for them. The result then reports no kept-aside
     * edits: {@link #settle(SyncSteps.Timer)} returns them.
     */
    SyncResult sync(String trigger, boolean settleNow) {
        SyncSteps.Timer timer = new SyncSteps.Timer();
        synchronized (lock) {
            Instant started = Instant.now();
            long t0 = System.nanoTime();
            try (FileMutex ignored = FileMutex.acquire(syncDir.resolve("sync.lock"), LOCK_WAIT)) {
                timer.lap("lock");
                try {
                    SyncResult result = syncLocked(trigger, started, t0, timer, settleNow);
                    repairDue = false;
                    return result;
                } catch (IOException | RuntimeException e) {
                    throw failed(e);
                }
            }
        }
    }

    /**
     * Finishes what {@link #sync(String, boolean)} left, when it left something: moves the local edits
     * the working tree holds aside, makes the working tree and the index the served commit's, moves the
     * branch and the remote-tracking ref to it, and removes old checkouts.
     *
     * @return the local edits moved aside, or null
     * @throws BrainTrustException.Unavailable when the repository cannot be written; the next sync repairs it and tries again
     */
    KeptAside settle(SyncSteps.Timer timer) {
        synchronized (lock) {
            if (!settlePending()) {
                return null;
            }
            try (FileMutex ignored = FileMutex.acquire(syncDir.resolve("sync.lock"), LOCK_WAIT)) {
                timer.lap("lock");
                return settleLocked(timer, Instant.now());
            } catch (IOException | RuntimeException e) {
                throw failed(e);
            }
        }
    }

    private BrainTrustException failed(Exception e) {
        repairDue = true;
        if (e instanceof BrainTrustException bte) {
            return bte;
        }
        return new BrainTrustException.Unavailable("cannot update the mirror in " + home + ": "
                + transport.clean(e.getMessage() == null ? e.toString() : e.getMessage())
                + "; the last good snapshot is kept, and the next sync repairs the mirror", e);
    }

    private SyncResult syncLocked(String trigger, Instant started, long t0, SyncSteps.Timer timer, boolean settleNow)
            throws IOException {
        if (repairDue) {
            repair();
            timer.lap("repair");
        }
        ensureRepository();
        if (settlePending()) {
            settleLocked(timer, started); // what the last sync left: its edits kept aside are in the log and its journal entry
        }
        ObjectId fetched = fetch(timer);
        pinned = readPin(false); // another process (brain-trust pin without a server) may have pinned or unpinned the home
        ObjectId pin = pinned;
        ObjectId remoteHead = pin != null ? pin : fetched; // pinned: fetch (to know how far behind), stay
        SyncResult.Outcome same = pin != null ? SyncResult.Outcome.PINNED : SyncResult.Outcome.UNCHANGED;
        if (pin != null) {
            updateTrackingRef(fetched, timer); // how far behind the pin is reads it
        }
        timer.lap("pin");
        Checkout previous = current;
        boolean sameCommit = previous != null && previous.commit().equals(remoteHead);
        if (sameCommit && workTreeVerified && Files.isDirectory(previous.folder())) {
            timer.lap("compare");
            return new SyncResult(started, trigger, same, previous.commit().name(),
                    previous.commit().name(), List.of(), 0, Duration.ofNanos(System.nanoTime() - t0), null, null, timer.steps());
        }
        RevCommit commit;
        try (RevWalk walk = new RevWalk(repo)) {
            commit = walk.parseCommit(remoteHead);
        }
        timer.lap("parse commit");
        LocalEdits.refuseUnpushedCommits(repo, remote.branchRef(), trackingRef(), remoteHead, home, remote, knownCommits());
        timer.lap("unpushed commits");
        Path folder;
        if (settleNow || !SyncTuning.CHECKOUT_AFTER_ANSWER || checkouts.has(commit)) {
            folder = checkouts.materialise(repo, commit, previous);
            checkoutDue = null;
        } else {
            // written by settle(), after the answer: readers of the context read git's objects, and a reader of the
            // skills or workflows before then writes it itself, under the lock (currentFolder())
            folder = checkouts.folderOf(commit);
            checkoutDue = new PendingCheckout(commit, previous);
        }
        timer.lap("checkout");
        WorkTree.Changes changes = WorkTree.changedPaths(repo, previous == null ? null : previous.tree(), commit.getTree());
        timer.lap("changed paths");
        if (previous != null && !previous.commit().equals(commit)) {
            retired.put(previous.commit().copy(), System.nanoTime());
            replaced = previous.commit().copy();
        }
        retired.remove(commit);
        current = new Checkout(commit.copy(), commit.getTree().copy(), folder);
        settleDue = true;
        timer.lap("switch");
        KeptAside kept = settleNow ? settleLocked(timer, started) : null;
        SyncSteps steps = timer.steps();
        log.debug("sync to {}: {}", commit.name(), steps.toMillis());
        return new SyncResult(started, trigger, sameCommit ? same : SyncResult.Outcome.UPDATED,
                previous == null ? null : previous.commit().name(), commit.name(), changes.paths(), changes.count(),
                Duration.ofNanos(System.nanoTime() - t0), null, kept, steps);
    }

    /**
     * Writes the checkout a sync left for after its answer ({@link #checkoutDue}), linked as that sync would have,
     * when it is {@code commit}'s; one of another commit is no longer served and is dropped. The caller holds the lock.
     *
     * @return true when it wrote the checkout
     */
    private boolean writeDueCheckout(ObjectId commit) {
        PendingCheckout due = checkoutDue;
        if (due == null) {
            return false;
        }
        if (!due.commit().equals(commit)) {
            checkoutDue = null;
            return false;
        }
        checkouts.materialise(repo, due.commit(), due.previous());
        checkoutDue = null;
        return true;
    }

    /** True when the served commit is not yet the working tree's, the index's and the branch's. */
    private boolean settlePending() {
        return settleDue && current != null && repo != null;
    }

    private KeptAside settleLocked(SyncSteps.Timer timer, Instant now) throws IOException {
        Checkout c = current;
        if (writeDueCheckout(c.commit())) {
            timer.lap("checkout");
        }
        updateTrackingRef(c.commit(), timer);
        KeptAside kept = LocalEdits.keepAside(repo, repo.resolve(Constants.HEAD + "^{tree}"), c.tree(), home, now);
        if (kept != null) {
            log.warn("sync of {}: {}", remote, kept.describe());
        }
        timer.lap("local edits");
        WorkTree.checkout(repo, gitDir, c.commit(), c.tree());
        timer.lap("working tree");
        WorkTree.moveBranch(repo, remote.branchRef(), c.commit());
        settledCommit = c.commit();
        timer.lap("branch ref");
        workTreeVerified = true;
        settleDue = false;
        checkouts.prune(checkoutsToKeep(c.commit()));
        timer.lap("prune");
        return kept;
    }

    /**
     * The commit this process moved the branch to, which it had fetched: when the branch and HEAD are still
     * there, nobody committed in the home since. (What is served at start was read from HEAD, so it proves nothing.)
     */
    private Set<ObjectId> knownCommits() {
        return settledCommit == null ? Set.of() : Set.of(settledCommit);
    }

    /**
     * The current commit's checkout, the one it replaced, and every checkout replaced less than the
     * retired lifetime ago: a skill started from one of them may still run and read its files.
     */
    private Set<ObjectId> checkoutsToKeep(ObjectId commit) {
        long now = System.nanoTime();
        retired.values().removeIf(since -> now - since > retiredLifetimeNanos);
        Set<ObjectId> keep = new HashSet<>(retired.keySet());
        keep.addAll(leased.keySet());
        keep.add(commit);
        if (replaced != null) {
            keep.add(replaced);
        }
        return keep;
    }

    // --- history and pinning --------------------------------------------------------------------

    /**
     * The mirror's commits as history: newest first from the branch head (and from the pinned commit, should a
     * force-push have taken it off the branch), with authors, messages and files changed.
     */
    public dev.braintrust.history.History history(Clock clock) {
        return history(clock, dev.braintrust.context.ContextLimits.DEFAULT);
    }

    /** As {@link #history(Clock)}; a past commit's context is read under {@code limits}, as the current one is. */
    public dev.braintrust.history.History history(Clock clock, dev.braintrust.context.ContextLimits limits) {
        return new MirrorHistory(this, limits, clock);
    }

    /** The commits the timeline starts from: the remote branch as last fetched, and the commit served. */
    java.util.List<ObjectId> timelineStarts() {
        Repository r = repo;
        java.util.List<ObjectId> starts = new ArrayList<>();
        if (r == null) {
            return starts;
        }
        try {
            Ref tracking = r.exactRef(trackingRef());
            if (tracking != null && tracking.getObjectId() != null) {
                starts.add(tracking.getObjectId());
            }
        } catch (IOException e) {
            log.debug("cannot read {}: {}", trackingRef(), e.getMessage());
        }
        Checkout c = current;
        if (c != null && !starts.contains(c.commit())) {
            starts.add(c.commit());
        }
        return starts;
    }

    ObjectId servedCommit() {
        Checkout c = current;
        return c == null ? null : c.commit();
    }

    /** A checkout of a commit kept until released (a replay runs that revision's skills from it). */
    record Lease(Path folder, Runnable release) {
    }

    Lease lease(RevCommit commit) {
        Path folder;
        synchronized (lock) {
            try (FileMutex ignored = FileMutex.acquire(syncDir.resolve("sync.lock"), LOCK_WAIT)) {
                folder = checkouts.materialise(repo, commit);
                leased.merge(commit.copy(), 1, Integer::sum);
            }
        }
        ObjectId id = commit.copy();
        return new Lease(folder, () -> {
            synchronized (lock) {
                leased.computeIfPresent(id, (k, n) -> n > 1 ? n - 1 : null);
            }
        });
    }

    /**
     * Pins the server to a commit: it serves that commit (context, skills, workflows) and stops following the
     * branch until {@link #unpin()}; syncs still fetch, so the status can say how far behind it is. Kept across
     * restarts (in {@code state/sync/pin}).
     *
     * @param commitId a commit id, or an unambiguous abbreviation of one (at least 4 hex digits)
     * @return the pin as it stands
     * @throws BrainTrustException.NotFound    when the mirror has no such commit, even after a fetch
     * @throws BrainTrustException.Unavailable when nothing was synced yet, or the mirror cannot be moved
     */
    public PinState pin(String commitId) {
        String hex = commitId == null ? "" : commitId.strip().toLowerCase(java.util.Locale.ROOT);
        if (!hex.matches("[0-9a-f]{4,40}")) {
            throw new BrainTrustException.BadInput("'" + commitId + "' is not a commit id: give the hex id of a commit"
                    + " (at least 4 digits), as 'brain-trust history' shows them");
        }
        synchronized (lock) {
            if (repo == null || current == null) {
                throw new BrainTrustException.Unavailable("nothing to pin yet: the first sync from " + remote.displayUrl()
                        + " has not succeeded");
            }
            try (FileMutex ignored = FileMutex.acquire(syncDir.resolve("sync.lock"), LOCK_WAIT)) {
                SyncSteps.Timer timer = new SyncSteps.Timer();
                if (settlePending()) {
                    settleLocked(timer, Instant.now()); // the working tree and the branch at the served commit first
                }
                RevCommit commit = findCommit(hex);
                if (commit == null) {
                    updateTrackingRef(fetch(timer), timer);
                    commit = findCommit(hex);
                }
                if (commit == null) {
                    throw new BrainTrustException.NotFound("the repository " + remote.displayUrl() + " has no commit '" + commitId
                            + "' (branch " + remote.branch() + " and what was synced before); 'brain-trust history' lists them");
                }
                Checkout previous = current;
                Path folder = checkouts.materialise(repo, commit);
                WorkTree.checkout(repo, gitDir, commit, commit.getTree());
                WorkTree.moveBranch(repo, remote.branchRef(), commit);
                settledCommit = commit.copy();
                if (!previous.commit().equals(commit)) {
                    retired.put(previous.commit().copy(), System.nanoTime());
                    replaced = previous.commit().copy();
                }
                retired.remove(commit);
                current = new Checkout(commit.copy(), commit.getTree().copy(), folder);
                writePin(commit);
                pinned = commit.copy();
                checkouts.prune(checkoutsToKeep(commit));
                log.info("pinned to {} (was serving {}); the branch {} is not followed until unpinned", commit.name(),
                        previous.commit().name(), remote.branch());
                return pinState();
            } catch (IOException e) {
                throw new BrainTrustException.Unavailable("cannot pin the mirror in " + home + " to " + commitId + ": "
                        + transport.clean(e.getMessage()), e);
            }
        }
    }

    /** Follows the branch again from the next sync on. @return true when it was pinned */
    public boolean unpin() {
        synchronized (lock) {
            boolean was = pinned != null;
            pinned = null;
            try {
                Files.deleteIfExists(pinFile);
            } catch (IOException e) {
                throw new BrainTrustException.Unavailable("cannot remove " + pinFile + ": " + e.getMessage(), e);
            }
            if (was) {
                log.info("unpinned: following the branch {} again", remote.branch());
            }
            return was;
        }
    }

    /**
     * The pin, or null when the mirror follows the branch.
     *
     * @param commit    the commit served
     * @param branch    the branch not followed meanwhile
     * @param behind    commits the branch (as last fetched) has that the pinned commit does not
     * @param onBranch  false when the pinned commit is no longer in the branch's history (a force-push)
     * @param branchHead the branch head as last fetched
     */
    public record PinState(String commit, String branch, int behind, boolean onBranch, String branchHead) {
        /** "pinned to 1a2b3c4d5e6f, 3 commits behind main", as status, /ready and the Overview say it. */
        @com.fasterxml.jackson.annotation.JsonProperty("note")
        public String note() {
            String shortId = commit.substring(0, Math.min(12, commit.length()));
            return "pinned to " + shortId + ", " + behind + (behind == 1 ? " commit" : " commits") + " behind " + branch
                    + (onBranch ? "" : " (" + branch + " no longer contains it: the branch was force-pushed)")
                    + "; 'brain-trust unpin' follows " + branch + " again";
        }
    }

    /** The pin and how far behind the branch it is, or null when not pinned. */
    public PinState pinState() {
        ObjectId pin = pinned;
        Repository r = repo;
        if (pin == null || r == null) {
            return null;
        }
        try (RevWalk walk = new RevWalk(r)) {
            Ref tracking = r.exactRef(trackingRef());
            ObjectId head = tracking == null ? null : tracking.getObjectId();
            if (head == null) {
                return new PinState(pin.name(), remote.branch(), 0, true, null);
            }
            RevCommit headCommit = walk.parseCommit(head);
            RevCommit pinCommit = walk.parseCommit(pin);
            boolean onBranch = walk.isMergedInto(pinCommit, headCommit);
            walk.reset();
            walk.markStart(headCommit);
            walk.markUninteresting(pinCommit);
            int behind = 0;
            for (RevCommit ignored : walk) {
                if (++behind >= 100_000) {
                    break;
                }
            }
            return new PinState(pin.name(), remote.branch(), behind, onBranch, head.name());
        } catch (IOException e) {
            return new PinState(pin.name(), remote.branch(), 0, true, null);
        }
    }

    RevCommit findCommit(String hex) throws IOException {
        try (org.eclipse.jgit.lib.ObjectReader reader = repo.newObjectReader(); RevWalk walk = new RevWalk(reader)) {
            List<ObjectId> commits = new ArrayList<>();
            for (ObjectId id : reader.resolve(org.eclipse.jgit.lib.AbbreviatedObjectId.fromString(hex))) {
                if (reader.open(id).getType() == Constants.OBJ_COMMIT) {
                    commits.add(id);
                }
            }
            if (commits.size() > 1) {
                throw new BrainTrustException.BadInput("'" + hex + "' names several commits; give more of the id");
            }
            return commits.isEmpty() ? null : walk.parseCommit(commits.get(0));
        } catch (org.eclipse.jgit.errors.MissingObjectException e) {
            return null;
        }
    }

    private void writePin(RevCommit commit) throws IOException {
        Files.createDirectories(pinFile.getParent());
        Path temp = pinFile.resolveSibling("pin.tmp");
        Files.writeString(temp, commit.name() + "\n", StandardCharsets.UTF_8);
        Files.move(temp, pinFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private ObjectId readPin(boolean announce) {
        try {
            String text = Files.readString(pinFile, StandardCharsets.UTF_8).strip();
            if (ObjectId.isId(text)) {
                if (announce) {
                    log.info("pinned to {} (state/sync/pin): the branch {} is not followed until 'brain-trust unpin'", text,
                            remote.branch());
                }
                return ObjectId.fromString(text);
            }
            log.warn("ignoring {}: it does not hold a commit id", pinFile);
        } catch (NoSuchFileException e) {
            // not pinned
        } catch (IOException e) {
            log.warn("cannot read {}: {}; not pinned", pinFile, e.getMessage());
        }
        return null;
    }

    // --- taking over the home ------------------------------------------------------------------

    /** Decides whether the home is ours (empty, or a clone of this remote) and opens its repository. */
    private void adopt() {
        List<String> userFiles = userEntries();
        if (Files.isDirectory(gitDir)) {
            Repository existing = tryOpen();
            String origin = existing == null ? null : existing.getConfig().getString("remote", ORIGIN, "url");
            if (origin != null) {
                if (!sameRepository(origin)) {
                    existing.close();
                    throw new BrainTrustException.BadConfig("PAI_HOME " + home + " is a clone of " + safe(origin)
                            + ", not of " + remote.displayUrl() + ". To follow " + remote.displayUrl()
                            + ", set PAI_HOME to an empty folder (or one that does not exist) and it is cloned there; "
                            + "to keep following the repository this home has, set BRAIN_TRUST_GIT_URL=" + safe(origin));
                }
                repo = existing;
                return;
            }
            boolean hasHistory = existing != null && hasAnyRef(existing);
            if (hasHistory || !userFiles.isEmpty()) {
                if (existing != null) {
                    existing.close();
                }
                throw notOurs(userFiles);
            }
            repo = existing; // a clone that stopped before its first fetch: the first sync finishes it
            return;
        }
        if (!userFiles.isEmpty()) {
            throw notOurs(userFiles);
        }
    }

    private BrainTrustException notOurs(List<String> userFiles) {
        return new BrainTrustException.BadConfig("PAI_HOME " + home + " already holds " + String.join(", ", userFiles.stream()
                .limit(5).toList()) + (userFiles.size() > 5 ? ", ..." : "") + " but is not a clone of " + remote.displayUrl()
                + ", so cloud mode will not overwrite it. To make this home that repository's content, run "
                + "'brain-trust publish " + remote.displayUrl() + "' first; to start from the repository instead, move "
                + home + " away or set PAI_HOME to an empty folder.");
    }

    private List<String> userEntries() {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(home)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                boolean ours = NOT_USER_FILES.contains(name)
                        || (name.equals(Constants.DOT_GIT) && Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS));
                if (!ours) {
                    names.add(name);
                }
            }
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new BrainTrustException.BadConfig("cannot list PAI_HOME " + home + ": " + e.getMessage(), e);
        }
        names.sort(null);
        return names;
    }

    private boolean sameRepository(String otherUrl) {
        try {
            return GitUrls.comparable(otherUrl).equals(GitUrls.comparable(remote.url()));
        } catch (BrainTrustException e) {
            return false;
        }
    }

    private static String safe(String url) {
        try {
            return GitUrls.parse(url).cleanUrl();
        } catch (BrainTrustException e) {
            return "(a URL that cannot be read)";
        }
    }

    private Repository tryOpen() {
        try {
            return new FileRepositoryBuilder().setGitDir(gitDir.toFile()).setWorkTree(home.toFile())
                    .setMustExist(true).build();
        } catch (IOException | RuntimeException e) {
            log.warn("the repository in {} cannot be opened ({}); the next sync starts it again", gitDir, e.getMessage());
            return null;
        }
    }

    private static boolean hasAnyRef(Repository r) {
        try {
            return !r.getRefDatabase().getRefs().isEmpty();
        } catch (IOException e) {
            return true; // cannot tell: treat it as someone's repository
        }
    }

    /** The repository, created (an empty clone of the remote) when the home has none yet. */
    private void ensureRepository() throws IOException {
        if (repo == null) {
            List<String> userFiles = userEntries();
            if (!userFiles.isEmpty()) {
                throw notOurs(userFiles);
            }
            if (Files.exists(gitDir)) {
                CheckoutStore.deleteTree(gitDir); // unreadable leftovers of a clone that stopped at once
            }
            Files.createDirectories(home);
            try {
                Git.init().setDirectory(home.toFile()).setInitialBranch(remote.branch()).call().close();
            } catch (GitAPIException e) {
                throw new IOException("cannot create a repository in " + home + ": " + e.getMessage(), e);
            }
            repo = tryOpen();
            if (repo == null) {
                throw new IOException("the repository just created in " + home + " cannot be opened");
            }
            log.info("cloning {} (first start), branch {}, into {}", remote.displayUrl(), remote.branch(), home);
            configured = false;
        }
        if (!configured) {
            configure();
            new PaiHome(home).createLocalFolders();
            configured = true;
        }
    }

    /** Writes the remote (without credentials) and the exclusion of logs/ and state/; only when they differ. */
    private void configure() throws IOException {
        StoredConfig config = repo.getConfig();
        boolean changed = false;
        if (!remote.url().equals(config.getString("remote", ORIGIN, "url"))) {
            config.setString("remote", ORIGIN, "url", remote.url()); // also replaces a URL that held a credential
            changed = true;
        }
        String fetchSpec = "+refs/heads/*:refs/remotes/origin/*";
        if (!fetchSpec.equals(config.getString("remote", ORIGIN, "fetch"))) {
            config.setString("remote", ORIGIN, "fetch", fetchSpec);
            changed = true;
        }
        // No background garbage collection after a fetch: it would run outside the sync lock, racing
        // the next sync and the repair of stale locks. maintain() collects under the lock instead.
        if (config.getInt("gc", null, "auto", -1) != 0 || config.getInt("gc", null, "autoPackLimit", -1) != 0) {
            config.setInt("gc", null, "auto", 0);
            config.setInt("gc", null, "autoPackLimit", 0);
            changed = true;
        }
        // Packs a collection replaced are deleted at once, as `git repack -d` does: JGit's default keeps
        // them an hour, and every fetch meanwhile searched them all. A reader that has one open keeps
        // its file; one that finds it gone looks again in the new pack.
        if (!"now".equals(config.getString("gc", null, "prunePackExpire"))) {
            config.setString("gc", null, "prunePackExpire", "now");
            changed = true;
        }
        if (!ORIGIN.equals(config.getString("branch", remote.branch(), "remote"))) {
            config.setString("branch", remote.branch(), "remote", ORIGIN);
            config.setString("branch", remote.branch(), "merge", remote.branchRef());
            changed = true;
        }
        if (changed) {
            config.save();
        }
        Path exclude = gitDir.resolve("info").resolve("exclude");
        String wanted = "/logs/\n/state/\n";
        String existing = Files.exists(exclude) ? Files.readString(exclude, StandardCharsets.UTF_8) : "";
        if (!existing.contains("/logs/") || !existing.contains("/state/")) {
            Files.createDirectories(exclude.getParent());
            Files.writeString(exclude, existing + (existing.isEmpty() || existing.endsWith("\n") ? "" : "\n")
                    + "# Brain Trust: never part of the repository\n" + wanted, StandardCharsets.UTF_8);
        }
    }

    // --- repair --------------------------------------------------------------------------------

    private void repair() throws IOException {
        checkouts.removeTemporaryFolders();
        if (Files.isDirectory(gitDir)) {
            MirrorRepair.repair(gitDir, remote.branchRef());
            if (repo != null) {
                // a new instance, so no cached view of what the repair changed survives
                Repository fresh = tryOpen();
                if (fresh == null) {
                    throw new IOException("the repository in " + gitDir + " cannot be opened after repair; "
                            + "delete " + gitDir + " and the next sync clones again (logs/ and state/ are kept)");
                }
                Repository old = repo;
                repo = fresh;
                old.close();
                configured = false;
                try {
                    fresh.readDirCache();
                } catch (IOException | NoWorkTreeException e) {
                    MirrorRepair.dropIndex(gitDir);
                }
            }
        }
        workTreeVerified = false;
    }

    // --- the steps of a sync -------------------------------------------------------------------

    /**
     * Reads the remote's branch head and, only when its commit is not here yet, fetches it on the
     * same connection (one ref advertisement when nothing is new; JGit's transport API, as its
     * fetch command uses it); a repository on this machine is read directly when it can be
     * ({@link LocalSource}). Then points the remote-tracking ref at it.
     */
    private ObjectId fetch(SyncSteps.Timer timer) throws IOException {
        ObjectId head = local == null ? null : local.head(remote.branchRef());
        if (head != null) {
            timer.lap("fetch: refs");
            Checkout c = current;
            if (repo.getObjectDatabase().has(head)
                    || (c != null && local.copyNewObjects(repo, head, List.of(c.commit()), timer))) {
                timer.lap("fetch: objects");
                return head;
            }
        }
        try (Transport connection = transport.open(repo);
             FetchConnection fetch = connection.openFetch(List.of(new RefSpec("+" + remote.branchRef() + ":" + trackingRef())))) {
            Ref advertised = fetch.getRef(remote.branchRef());
            if (advertised == null || advertised.getObjectId() == null) {
                throw transport.failure("fetch from", new IOException("Remote does not have " + remote.branchRef()));
            }
            head = advertised.getObjectId();
            timer.lap("fetch: refs");
            if (!repo.getObjectDatabase().has(head)) {
                Checkout c = current;
                fetch.fetch(NullProgressMonitor.INSTANCE, List.of(advertised),
                        c == null ? Set.of() : Set.of(c.commit()));
                timer.lap("fetch: pack");
            }
        } catch (org.eclipse.jgit.errors.TransportException | NotSupportedException | URISyntaxException e) {
            throw transport.failure("fetch from", e);
        }
        timer.lap("fetch: close");
        return head;
    }

    private void updateTrackingRef(ObjectId head, SyncSteps.Timer timer) throws IOException {
        Ref tracking = repo.exactRef(trackingRef());
        if (tracking == null || !head.equals(tracking.getObjectId())) {
            RefUpdate update = repo.updateRef(trackingRef());
            update.setNewObjectId(head);
            update.setForceUpdate(true);
            update.setRefLogMessage("brain-trust fetch", false);
            RefUpdate.Result result = update.forceUpdate();
            if (result != RefUpdate.Result.NEW && result != RefUpdate.Result.FORCED && result != RefUpdate.Result.FAST_FORWARD
                    && result != RefUpdate.Result.NO_CHANGE) {
                throw new IOException("cannot update " + trackingRef() + ": " + result);
            }
            timer.lap("fetch: tracking ref");
        }
    }

    private String trackingRef() {
        return Constants.R_REMOTES + ORIGIN + "/" + remote.branch();
    }

    // --- the last synced commit, without the network ------------------------------------------

    private Checkout loadLastSynced() {
        if (repo == null) {
            return null;
        }
        try (FileMutex mutex = FileMutex.tryAcquire(syncDir.resolve("sync.lock"))) {
            if (mutex != null) {
                repair(); // nobody is syncing: repair now, so a crashed home serves again before the remote answers
                repairDue = false;
            }
            ObjectId head = repo.resolve(Constants.HEAD);
            if (head == null) {
                return null;
            }
            RevCommit commit;
            try (RevWalk walk = new RevWalk(repo)) {
                commit = walk.parseCommit(head);
            }
            if (!checkouts.has(commit) && mutex == null) {
                return null; // being synced by another process right now; the first sync here sets it
            }
            Path folder = checkouts.materialise(repo, commit);
            return new Checkout(commit.copy(), commit.getTree().copy(), folder);
        } catch (IOException | RuntimeException e) {
            log.warn("the last synced commit in {} cannot be read ({}); the first sync restores it", home,
                    transport.clean(e.getMessage()));
            repairDue = true;
            return null;
        }
    }

    private void rematerialise(Checkout c) {
        synchronized (lock) {
            try (FileMutex ignored = FileMutex.acquire(syncDir.resolve("sync.lock"), LOCK_WAIT)) {
                if (writeDueCheckout(c.commit())) {
                    return; // before settle() could: the same links
                }
                try (RevWalk walk = new RevWalk(repo)) {
                    checkouts.materialise(repo, walk.parseCommit(c.commit()));
                }
            } catch (IOException | RuntimeException e) {
                log.warn("cannot restore the checkout of {}: {}", c.commit().name(), transport.clean(e.getMessage()));
            }
        }
    }

    /**
     * For a process that reads a home another process syncs ({@code brain-trust mcp} beside a running
     * server): moves to the commit the home's HEAD names now, once that commit's checkout has been
     * written. Never fetches and never writes the repository.
     *
     * @return true when the revision served changed
     */
    public boolean followHead() {
        synchronized (lock) {
            Repository r = repo;
            if (r == null && Files.isDirectory(gitDir)) {
                r = repo = tryOpen(); // the server cloned the home after this process opened it
            }
            if (r == null) {
                return false;
            }
            try {
                ObjectId head = r.resolve(Constants.HEAD);
                Checkout c = current;
                if (head == null || (c != null && c.commit().equals(head)) || !checkouts.has(head)) {
                    return false; // unchanged, or the server is still writing the new commit's checkout
                }
                RevCommit commit;
                try (RevWalk walk = new RevWalk(r)) {
                    commit = walk.parseCommit(head);
                }
                current = new Checkout(commit.copy(), commit.getTree().copy(), checkouts.folderOf(commit));
                return true;
            } catch (IOException | RuntimeException e) {
                log.warn("cannot read the commit the home is at now ({}); still serving {}", transport.clean(e.getMessage()),
                        revision());
                return false;
            }
        }
    }

    /**
     * Packs the repository when fetches have left many pack files (each fetch adds one) or many loose
     * objects (each small push from a remote on this machine adds a few), under the sync lock. Cheap
     * when there is nothing to do: two directory listings. The packs it replaces are
     * deleted at once (see {@link #configure()}); the count is compared with what the last collection
     * left, in case a pack was kept.
     */
    public void maintain() {
        synchronized (lock) {
            Repository r = repo;
            if (r == null) {
                return;
            }
            long packs;
            long loose;
            try {
                packs = packFileCount();
                loose = looseObjectEstimate();
            } catch (IOException e) {
                return;
            }
            if (packs <= packsAfterLastGc + MAX_PACKS && loose <= MAX_LOOSE_OBJECTS) {
                return;
            }
            try (FileMutex ignored = FileMutex.acquire(syncDir.resolve("sync.lock"), LOCK_WAIT)) {
                long t0 = System.nanoTime();
                Git.wrap(r).gc().call();
                packsAfterLastGc = packFileCount();
                log.info("packed the mirror's {} pack files and about {} loose objects in {} ms", packs, loose,
                        (System.nanoTime() - t0) / 1_000_000);
            } catch (GitAPIException | IOException | RuntimeException e) {
                log.warn("packing the mirror failed (it still works, with more files): {}", transport.clean(e.getMessage()));
            }
        }
    }

    /** About how many loose objects the repository holds: 256 times those in {@code objects/17/}, as {@code git gc --auto} counts. */
    long looseObjectEstimate() throws IOException {
        Path sample = gitDir.resolve("objects").resolve("17");
        if (!Files.isDirectory(sample)) {
            return 0;
        }
        try (java.util.stream.Stream<Path> files = Files.list(sample)) {
            return 256 * files.filter(p -> p.getFileName().toString().length() == 38).count();
        }
    }

    /** How many pack files the repository holds: one per fetch since the last collection, plus what it left. */
    long packFileCount() throws IOException {
        try (java.util.stream.Stream<Path> files = Files.list(gitDir.resolve("objects").resolve("pack"))) {
            return files.filter(p -> p.getFileName().toString().endsWith(".pack")).count();
        }
    }

    /**
     * The repository and branch a home mirrors, read from its files without the network: present
     * when the home is a cloud-mode mirror (a clone with the mirror's bookkeeping in {@code state/sync/}),
     * empty for a local home, even one that is a git clone ({@code brain-trust clone}, {@link #detach}).
     *
     * @param url    the origin URL as {@code .git/config} holds it (never with a credential: the mirror removes them)
     * @param branch the branch HEAD points at
     */
    public record Followed(String url, String branch) {
    }

    public static Optional<Followed> followedBy(Path home) {
        Path root = home.toAbsolutePath().normalize();
        Path git = root.resolve(Constants.DOT_GIT);
        if (!Files.isDirectory(git) || !Files.isDirectory(root.resolve("state").resolve("sync"))) {
            return Optional.empty();
        }
        try (Repository r = new FileRepositoryBuilder().setGitDir(git.toFile()).setMustExist(true).build()) {
            String url = r.getConfig().getString("remote", ORIGIN, "url");
            String branch = r.getBranch();
            if (url == null || branch == null || ObjectId.isId(branch)) {
                return Optional.empty();
            }
            return Optional.of(new Followed(safe(url), branch));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * Makes a fresh clone a plain local home: drops the mirror's bookkeeping ({@code state/sync/}:
     * checkouts and sync records), which a home edited by hand has no use for.
     */
    public static void detach(Path home) {
        try {
            CheckoutStore.deleteTree(home.toAbsolutePath().normalize().resolve("state").resolve("sync"));
        } catch (IOException e) {
            log.warn("cannot remove {}: {}", home.resolve("state/sync"), e.getMessage());
        }
    }

    /** Publishes a local home to {@code remote}: see {@link Publisher#publish}. */
    public static String publish(Path home, GitRemote remote) {
        return publish(home, remote, null, null).commit();
    }

    /**
     * Publishes a local home to {@code remote} as {@code authorName <authorEmail>} (both null: git's configured
     * identity): see {@link Publisher#publish}.
     */
    public static PublishResult publish(Path home, GitRemote remote, String authorName, String authorEmail) {
        try (GitTransport t = new GitTransport(remote)) {
            org.eclipse.jgit.lib.PersonIdent author = authorName == null ? null
                    : new org.eclipse.jgit.lib.PersonIdent(authorName, authorEmail == null ? "" : authorEmail);
            return new Publisher(home.toAbsolutePath().normalize(), remote, t, author).publish();
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            if (repo != null) {
                repo.close();
            }
            if (local != null) {
                local.close();
            }
            transport.close();
        }
    }
}
