package dev.braintrust.history;

import dev.braintrust.BrainTrustException;
import dev.braintrust.Config;
import dev.braintrust.context.ContextFile;
import dev.braintrust.context.ContextLimits;
import dev.braintrust.context.ContextSnapshot;
import dev.braintrust.context.ContextSource;
import dev.braintrust.home.PaiHome;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.StoredConfig;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Date;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Local mode's history: a version of {@code context/ skills/ workflows/} after every burst of changes, in a bare
 * git repository of its own at {@code state/history/} (JGit: no git program needed). It is never the user's
 * {@code .git}, never pushed, and {@code publish} never sees it ({@code state/} is not published, and the folder
 * carries a {@code .gitignore} of {@code *} so a home that is itself a clone cannot commit it by accident).
 *
 * <p>A version's id is the git tree of the three folders, so the same content has the same id. The context source
 * of local mode ({@link #contextSource}) gives every snapshot that tree as its revision and writes the snapshot's
 * objects here as it reads them: the revision a run recorded can always be looked up, even when the files changed
 * again before a version was recorded.
 *
 * <p>Versions are commits of one branch, each with its source and the files it changed in its message. Reads
 * work from an index in memory (rebuilt when another process records), never take the writers' lock, and so are
 * never held up by a recording or a pruning. Writers (the recorder, a restore, the pruning, in any process) take
 * {@link HistoryLock}. A process killed in the middle of a recording leaves objects that are either whole or
 * absent (JGit writes each to a temporary file and renames it) and a branch that points to the old version or the
 * new one; a lock file it left is stale, and the next writer removes it.
 *
 * <p>A home that is itself a git repository shows its own commits too ({@link History#COMMIT}), read-only.
 */
public final class LocalHistory implements History, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LocalHistory.class);
    static final String BRANCH = Constants.R_HEADS + "history";
    /**
     * Refs that keep states of the home a snapshot was read at but that no version holds (the files changed again
     * before a version was recorded): a run may have used one. Pruning keeps those runs used.
     */
    static final String SEEN = "refs/seen/";
    /** Objects younger than this are never deleted by a packing: a snapshot may be writing them right now. */
    static final Duration YOUNG = Duration.ofHours(1);
    static final Duration LOCK_WAIT = Duration.ofSeconds(30);
    /** A burst of changes that never quiets down is still recorded this often. */
    static final Duration LONGEST_BURST = Duration.ofSeconds(30);
    /** Versions recorded between two packings of the repository. */
    static final int PACK_EVERY = 256;
    static final Duration PRUNE_EVERY = Duration.ofDays(1);
    static final Duration FIRST_PRUNE_AFTER = Duration.ofMinutes(1);
    private static final int MAX_LISTED_CHANGES = 1000;
    private static final int MAX_HOME_COMMITS = 10_000;
    private static final String TITLE_EDIT = "Edit";
    private static final PersonIdent NOBODY = new PersonIdent("Brain Trust", "history@brain-trust.invalid");

    private final PaiHome home;
    private final Path gitDir;
    private final Clock clock;
    private final Duration keep;
    private final Duration quiet;
    private final HistoryLock lock;
    private final Repository repo;
    private final String unavailable;
    private final Repository homeRepo;
    private final RepositoryHistory homeCommits;
    private final Object indexLock = new Object();
    private final Map<ObjectId, ObjectId> imported = new java.util.concurrent.ConcurrentHashMap<>();
    private final ContextLimits limits;
    private final HomeScan.StatCache stats = new HomeScan.StatCache();
    private volatile Index index = Index.EMPTY;
    private volatile ObjectId lastTree;
    private volatile Supplier<Set<String>> usedRevisions = () -> {
        throw new BrainTrustException.Unavailable("the run database is not open here");
    };
    private ScheduledExecutorService timer;
    private ScheduledFuture<?> pending;
    private long burstStartNanos = -1;
    private int recordedSincePack;
    private boolean closed;

    private LocalHistory(PaiHome home, Config.HistorySettings settings, ContextLimits limits, Clock clock) {
        this.limits = limits;
        this.home = home;
        this.gitDir = home.state().resolve("history");
        this.clock = clock;
        this.keep = settings.keep();
        this.quiet = settings.quiet();
        this.lock = HistoryLock.of(gitDir.resolve("writer-lock"));
        Repository opened = null;
        String why = null;
        try {
            opened = openOrCreate();
        } catch (IOException | RuntimeException e) {
            why = "the history in " + gitDir + " cannot be opened (" + e.getMessage() + "); versions are not recorded "
                    + "until it can (check that " + home.state() + " is writable)";
            log.warn(why);
        }
        this.repo = opened;
        this.unavailable = why;
        Repository own = null;
        if (Files.exists(home.root().resolve(Constants.DOT_GIT), LinkOption.NOFOLLOW_LINKS)) {
            try {
                own = new FileRepositoryBuilder().setWorkTree(home.root().toFile()).setMustExist(true).build();
            } catch (IOException | RuntimeException e) {
                log.info("the home's own repository in {} cannot be read ({}); its commits are not shown", home.root(), e.getMessage());
            }
        }
        this.homeRepo = own;
        Repository user = own;
        this.homeCommits = own == null ? null : new RepositoryHistory(() -> user, () -> {
            ObjectId head = headOf(user);
            return head == null ? List.of() : List.of(head);
        }, () -> null, COMMIT,
                true, HistoryPage.RESTORE, "", limits, clock);
    }

    /**
     * Opens the history of a home, creating its repository on first use. Never fails: when {@code state/} cannot
     * be written the history says so ({@link #problem()}) and snapshots still get their revision.
     */
    public static LocalHistory open(PaiHome home, Config.HistorySettings settings, Clock clock) {
        return open(home, settings, ContextLimits.DEFAULT, clock);
    }

    /** As {@link #open(PaiHome, Config.HistorySettings, Clock)}; a past version's context is read under {@code limits}. */
    public static LocalHistory open(PaiHome home, Config.HistorySettings settings, ContextLimits limits, Clock clock) {
        return new LocalHistory(home, settings, limits, clock);
    }

    /** Where pruning learns which revisions stored runs used (the run database, once it is open). */
    public void keepRevisionsFrom(Supplier<Set<String>> revisions) {
        this.usedRevisions = Objects.requireNonNull(revisions);
    }

    /** Why versions cannot be recorded, or null when they can. */
    public String problem() {
        return unavailable;
    }

    // --- the repository --------------------------------------------------------------------------

    private Repository openOrCreate() throws IOException {
        if (!Files.isRegularFile(gitDir.resolve("HEAD"))) {
            create();
        }
        Repository r = new FileRepositoryBuilder().setGitDir(gitDir.toFile()).setBare().setMustExist(true).build();
        try (HistoryLock.Held ignored = lock.acquire(Duration.ZERO)) {
            repairStaleLocks();
        } catch (BrainTrustException.Unavailable busy) {
            // another process writes now: its locks are not stale
        }
        return r;
    }

    /** Creates the repository in a temporary folder and renames it into place: there is never half of one. */
    private void create() throws IOException {
        Files.createDirectories(home.state());
        if (Files.exists(gitDir)) {
            Path aside = home.state().resolve("history.broken-" + clock.millis());
            Files.move(gitDir, aside);
            log.warn("the history in {} was not a repository; it was moved to {} and a new one started", gitDir, aside);
        }
        Path temp = home.state().resolve(".history-new-" + UUID.randomUUID().toString().substring(0, 8));
        try {
            Git.init().setBare(true).setDirectory(temp.toFile()).setInitialBranch("history").call().close();
            try (Repository r = new FileRepositoryBuilder().setGitDir(temp.toFile()).setBare().build()) {
                StoredConfig config = r.getConfig();
                config.setInt("gc", null, "auto", 0);
                config.setInt("gc", null, "autoPackLimit", 0);
                config.setBoolean("core", null, "logAllRefUpdates", false);
                config.save();
            }
            Files.writeString(temp.resolve(".gitignore"), "# Brain Trust's history of this home: never part of a repository\n*\n",
                    StandardCharsets.UTF_8);
            Files.writeString(temp.resolve("description"), "Brain Trust's history of " + home.root()
                    + " (brain-trust history). Not the user's repository; never pushed.\n", StandardCharsets.UTF_8);
            try {
                Files.move(temp, gitDir, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
                deleteTree(temp); // another process created it first
            }
        } catch (GitAPIException e) {
            deleteTree(temp);
            throw new IOException("cannot create a repository in " + temp + ": " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            deleteTree(temp);
            throw e;
        }
    }

    /** Lock files found while holding the history lock belong to a writer that was killed. */
    private void repairStaleLocks() {
        try (var files = Files.walk(gitDir, 6)) {
            for (Path p : files.filter(p -> p.getFileName().toString().endsWith(".lock")).toList()) {
                Files.deleteIfExists(p);
                log.info("history repair: removed the stale lock {}", gitDir.relativize(p));
            }
        } catch (IOException e) {
            log.warn("cannot look for stale locks in {}: {}", gitDir, e.getMessage());
        }
    }

    private static ObjectId headOf(Repository r) {
        try {
            return r.resolve(Constants.HEAD);
        } catch (IOException e) {
            return null;
        }
    }

    private Repository repo() {
        if (repo == null) {
            throw new BrainTrustException.Unavailable(unavailable);
        }
        return repo;
    }

    // --- the index of versions -------------------------------------------------------------------

    private record Entry(ObjectId commit, ObjectId tree, Version version) {
    }

    /**
     * The versions loaded so far, newest first, and by tree and commit; replaced whole, never changed. Loaded from
     * the newest on, as far as a reader needs (the first page of a listing reads 51 commits, not 10,000).
     */
    private static final class Index {
        static final Index EMPTY = new Index(null, List.of(), null);
        final ObjectId head;
        final List<Entry> entries;
        /** The commit older than the last loaded one, or null when every version is loaded. */
        final ObjectId next;
        final Map<ObjectId, Entry> byTree = new java.util.HashMap<>();
        final Map<ObjectId, Entry> byCommit = new java.util.HashMap<>();

        Index(ObjectId head, List<Entry> newestFirst, ObjectId next) {
            this.head = head;
            this.entries = List.copyOf(newestFirst);
            this.next = next;
            for (int i = entries.size() - 1; i >= 0; i--) {
                Entry e = entries.get(i);
                byTree.put(e.tree(), e);
                byCommit.put(e.commit(), e);
            }
        }

        boolean complete() {
            return next == null;
        }

        Entry newest() {
            return entries.isEmpty() ? null : entries.get(0);
        }

        Index plus(Entry e) {
            List<Entry> all = new ArrayList<>(entries.size() + 1);
            all.add(e);
            all.addAll(entries);
            return new Index(e.commit(), all, next);
        }

        /** The version older than {@code e}, or null (when it is the oldest loaded, load more first). */
        Entry before(Entry e) {
            int i = entries.indexOf(e);
            return i < 0 || i + 1 >= entries.size() ? null : entries.get(i + 1);
        }
    }

    /** Versions loaded at a time when a reader needs more. */
    private static final int CHUNK = 512;

    /** The index, caught up with versions another process recorded. Cheap when nothing changed: one ref read. */
    private Index current() {
        if (repo == null) {
            return Index.EMPTY;
        }
        Index idx = index;
        ObjectId head = branchHead();
        if (Objects.equals(head, idx.head)) {
            return idx;
        }
        synchronized (indexLock) {
            idx = index;
            head = branchHead();
            if (!Objects.equals(head, idx.head)) {
                idx = load(head, idx, CHUNK);
                index = idx;
            }
            return idx;
        }
    }

    /** The index with at least {@code count} versions loaded, or all of them when there are fewer. */
    private Index loaded(int count) {
        Index idx = current();
        if (idx.entries.size() >= count || idx.complete()) {
            return idx;
        }
        synchronized (indexLock) {
            idx = index;
            while (idx.entries.size() < count && !idx.complete()) {
                idx = extend(idx, Math.max(CHUNK, count - idx.entries.size()));
            }
            index = idx;
            return idx;
        }
    }

    private Index all() {
        return loaded(Integer.MAX_VALUE);
    }

    private ObjectId branchHead() {
        try {
            Ref ref = repo.exactRef(BRANCH);
            return ref == null ? null : ref.getObjectId();
        } catch (IOException e) {
            throw RepositoryHistory.unavailable(e);
        }
    }

    /** Walks from {@code head} back to a version {@code known} already has, or for {@code max} versions. */
    private Index load(ObjectId head, Index known, int max) {
        if (head == null) {
            return Index.EMPTY;
        }
        List<Entry> fresh = new ArrayList<>();
        try (RevWalk walk = new RevWalk(repo)) {
            walk.setFirstParent(true);
            walk.markStart(walk.parseCommit(head));
            for (RevCommit c : walk) {
                if (c.equals(known.head)) {
                    fresh.addAll(known.entries);
                    return new Index(head, fresh, known.next);
                }
                fresh.add(parse(c));
                if (fresh.size() >= max) {
                    return new Index(head, fresh, c.getParentCount() == 0 ? null : c.getParent(0).copy());
                }
            }
        } catch (IOException e) {
            throw RepositoryHistory.unavailable(e);
        }
        return new Index(head, fresh, null);
    }

    private Index extend(Index idx, int more) {
        List<Entry> all = new ArrayList<>(idx.entries);
        ObjectId next = null;
        try (RevWalk walk = new RevWalk(repo)) {
            walk.setFirstParent(true);
            walk.markStart(walk.parseCommit(idx.next));
            int added = 0;
            for (RevCommit c : walk) {
                all.add(parse(c));
                if (++added >= more) {
                    next = c.getParentCount() == 0 ? null : c.getParent(0).copy();
                    break;
                }
            }
        } catch (IOException e) {
            throw RepositoryHistory.unavailable(e);
        }
        return new Index(idx.head, all, next);
    }

    private static Entry parse(RevCommit c) {
        List<String> lines = c.getFullMessage().lines().toList();
        String title = lines.isEmpty() ? "" : lines.get(0).strip();
        String source = EDIT;
        List<FileChange> changes = new ArrayList<>();
        for (String line : lines) {
            if (line.startsWith("Source: ")) {
                source = line.substring(8).strip();
            } else if (line.startsWith("Changed: ")) {
                FileChange change = parseChange(line.substring(9));
                if (change != null) {
                    changes.add(change);
                }
            }
        }
        String message = title.isEmpty() || title.equals(TITLE_EDIT) ? null : title;
        Version v = new Version(c.getTree().name(), Instant.ofEpochSecond(c.getCommitTime()), source, null, message, changes, false);
        return new Entry(c.copy(), c.getTree().copy(), v);
    }

    /** {@code modified +3 -1 context/MISSION.md}, or {@code added binary skills/tool.bin}. */
    private static FileChange parseChange(String text) {
        String[] parts = text.split(" ", 4);
        try {
            if (parts.length >= 3 && parts[1].equals("binary")) {
                return new FileChange(text.split(" ", 3)[2], parts[0], 0, 0, true);
            }
            if (parts.length == 4) {
                return new FileChange(parts[3], parts[0], Integer.parseInt(parts[1].substring(1)), Integer.parseInt(parts[2].substring(1)), false);
            }
        } catch (RuntimeException e) {
            // a line written by something else: not a change
        }
        return null;
    }

    private static String message(String title, String source, List<FileChange> changes) {
        StringBuilder m = new StringBuilder(title).append("\n\nSource: ").append(source).append('\n');
        int listed = 0;
        for (FileChange c : changes) {
            if (listed++ >= MAX_LISTED_CHANGES) {
                m.append("Changed-more: ").append(changes.size() - MAX_LISTED_CHANGES).append('\n');
                break;
            }
            m.append("Changed: ").append(c.change()).append(' ')
                    .append(c.binary() ? "binary" : "+" + c.additions() + " -" + c.deletions()).append(' ').append(c.path()).append('\n');
        }
        return m.toString();
    }

    // --- recording ---------------------------------------------------------------------------------

    /**
     * Tells the history the files changed (the watcher calls this): a version is recorded once they have been
     * quiet for the configured time, or at the latest {@link #LONGEST_BURST} after the burst began.
     */
    public void changed() {
        synchronized (this) {
            if (closed || repo == null) {
                return;
            }
            long now = System.nanoTime();
            if (burstStartNanos < 0) {
                burstStartNanos = now;
            }
            if (pending != null) {
                pending.cancel(false);
            }
            long delay = now - burstStartNanos >= LONGEST_BURST.toNanos() ? 0 : quiet.toNanos();
            pending = timer().schedule(this::recordQuietly, delay, TimeUnit.NANOSECONDS);
        }
    }

    private synchronized ScheduledExecutorService timer() {
        if (timer == null) {
            timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "history-recorder");
                t.setDaemon(true);
                return t;
            });
        }
        return timer;
    }

    private void recordQuietly() {
        synchronized (this) {
            burstStartNanos = -1;
            pending = null;
        }
        try {
            record(EDIT, null);
        } catch (RuntimeException e) {
            log.warn("the history could not record a version: {}", e.getMessage());
        }
    }

    /**
     * Records the home as it is now when it differs from the newest version.
     *
     * @param source  {@link History#EDIT} or {@link History#RESTORE}
     * @param title   what the version says (null for a plain edit)
     * @return the version recorded, or empty when nothing changed
     * @throws BrainTrustException.Unavailable when the history cannot be written
     */
    public Optional<Version> record(String source, String title) {
        Repository r = repo();
        try (HistoryLock.Held ignored = lock.acquire(LOCK_WAIT)) {
            return recordLocked(r, source, title).version();
        } catch (IOException e) {
            throw new BrainTrustException.Unavailable("cannot record a version in " + gitDir + ": " + e.getMessage(), e);
        }
    }

    /** The tree the home had when it was read, and the version recorded for it (empty when it was the newest already). */
    private record Recorded(ObjectId tree, Optional<Version> version) {
    }

    private Recorded recordLocked(Repository r, String source, String title) throws IOException {
        Index idx = current();
        HomeScan.Result scan;
        try (ObjectInserter inserter = r.newObjectInserter()) {
            scan = HomeScan.scan(home.root(), inserter, stats, this::stored);
        }
        lastTree = scan.tree();
        Entry newest = idx.newest();
        if (newest != null && newest.tree().equals(scan.tree())) {
            return new Recorded(scan.tree(), Optional.empty());
        }
        List<FileChange> changes = Trees.changes(r, newest == null ? null : newest.tree(), scan.tree());
        CommitBuilder commit = new CommitBuilder();
        commit.setTreeId(scan.tree());
        if (newest != null) {
            commit.setParentId(newest.commit());
        }
        PersonIdent who = new PersonIdent(NOBODY, clock.instant(), ZoneOffset.UTC);
        commit.setAuthor(who);
        commit.setCommitter(who);
        commit.setMessage(message(title == null ? TITLE_EDIT : title, source, changes));
        ObjectId id;
        try (ObjectInserter inserter = r.newObjectInserter()) {
            id = inserter.insert(commit);
            inserter.flush();
        }
        moveBranch(r, newest == null ? null : newest.commit(), id, false);
        RevCommit written;
        try (RevWalk walk = new RevWalk(r)) {
            written = walk.parseCommit(id);
        }
        Entry entry = parse(written);
        synchronized (indexLock) {
            index = idx.plus(entry); // under the history lock nobody else moved the branch since idx was read
        }
        packWhenDue();
        return new Recorded(scan.tree(), Optional.of(entry.version()));
    }

    /** Points the branch at {@code to} if it still points at {@code from}; a stale lock file is removed once. */
    private void moveBranch(Repository r, ObjectId from, ObjectId to, boolean force) throws IOException {
        for (int attempt = 1; ; attempt++) {
            RefUpdate update = r.updateRef(BRANCH);
            update.setExpectedOldObjectId(from == null ? ObjectId.zeroId() : from);
            update.setNewObjectId(to);
            update.setForceUpdate(force);
            RefUpdate.Result result = update.update();
            switch (result) {
                case NEW, FAST_FORWARD, FORCED, NO_CHANGE -> {
                    return;
                }
                case LOCK_FAILURE -> {
                    if (attempt > 1) {
                        throw new IOException("cannot move " + BRANCH + ": its lock is held");
                    }
                    repairStaleLocks(); // we hold the history lock: any lock file is a killed writer's
                }
                default -> throw new IOException("cannot move " + BRANCH + " to " + to.name() + ": " + result);
            }
        }
    }

    private void packWhenDue() {
        if (++recordedSincePack < PACK_EVERY) {
            return;
        }
        recordedSincePack = 0;
        timer().execute(() -> {
            try (HistoryLock.Held ignored = lock.acquire(LOCK_WAIT)) {
                gc(clock.instant().minus(YOUNG));
            } catch (RuntimeException e) {
                log.warn("packing the history failed (it still works, with more files): {}", e.getMessage());
            }
        });
    }

    private void gc(Instant expire) {
        try {
            long t0 = System.nanoTime();
            Git.wrap(repo).gc().setExpire(Date.from(expire)).call();
            log.debug("packed the history in {} ms", (System.nanoTime() - t0) / 1_000_000);
        } catch (GitAPIException e) {
            throw new BrainTrustException.Unavailable("cannot pack the history: " + e.getMessage(), e);
        }
    }

    @Override
    public void catchUp() {
        if (repo != null) {
            record(EDIT, null);
        }
    }

    // --- the context source of local mode -----------------------------------------------------------

    /**
     * The context source of local mode: {@code folder}'s snapshots, each carrying as its revision the version id
     * of the home at the moment it was read. The objects of that moment are written into the history as the
     * snapshot is read, so the revision stays readable even if no version of it is ever recorded. The files are
     * read twice (the folder source's checks stay its own); when they changed in between, the read is repeated.
     */
    public ContextSource contextSource(ContextSource folder) {
        return () -> {
            for (int attempt = 1; ; attempt++) {
                HomeScan.Result scan = scanForSnapshot();
                ContextSnapshot snapshot = folder.load();
                if (sameFiles(scan, snapshot) || attempt >= 3) {
                    keepIfNoVersionHolds(scan.tree());
                    return snapshot.withRevision(scan.tree().name());
                }
            }
        };
    }

    private HomeScan.Result scanForSnapshot() {
        if (repo != null) {
            try (ObjectInserter inserter = repo.newObjectInserter()) {
                HomeScan.Result scan = HomeScan.scan(home.root(), inserter, stats, this::stored);
                lastTree = scan.tree();
                return scan;
            } catch (IOException | RuntimeException e) {
                log.warn("the history cannot keep the files of this snapshot ({}); its revision cannot be looked up later",
                        e.getMessage());
            }
        }
        try (ObjectInserter.Formatter ids = new ObjectInserter.Formatter()) {
            return HomeScan.scan(home.root(), ids, stats, id -> true);
        } catch (IOException e) {
            throw new BrainTrustException.Unavailable("cannot read " + home.root() + ": " + e.getMessage(), e);
        }
    }

    /** A state the newest version does not hold gets a ref, so the revision a run may record stays readable. */
    private void keepIfNoVersionHolds(ObjectId tree) {
        if (repo == null) {
            return;
        }
        try {
            Entry newest = current().newest();
            if ((newest != null && newest.tree().equals(tree)) || repo.exactRef(SEEN + tree.name()) != null) {
                return;
            }
            RefUpdate update = repo.updateRef(SEEN + tree.name());
            update.setNewObjectId(tree);
            update.setExpectedOldObjectId(ObjectId.zeroId());
            update.update();
        } catch (IOException | RuntimeException e) {
            log.debug("cannot keep the state {}: {}", tree.name(), e.getMessage());
        }
    }

    private static boolean sameFiles(HomeScan.Result scan, ContextSnapshot snapshot) {
        for (ContextFile f : snapshot.files()) {
            String sha = scan.contextSha256().get(f.name());
            if (sha == null ? scan.skipped().stream().noneMatch(s -> s.startsWith("context/" + f.name() + " ")) : !sha.equals(f.sha256())) {
                return false;
            }
        }
        return true;
    }

    // --- reading -----------------------------------------------------------------------------------

    /** A version found by id: its tree in this repository, and how to describe it. */
    private record Resolved(ObjectId tree, Version version, Entry entry, RevCommit homeCommit) {
    }

    private Resolved resolve(String id) {
        Repository r = repo();
        String hex = RepositoryHistory.normalise(id);
        if (hex.length() == Constants.OBJECT_ID_STRING_LENGTH) {
            ObjectId full = ObjectId.fromString(hex);
            for (Index idx = current(); ; idx = loaded(idx.entries.size() + CHUNK)) {
                Entry e = idx.byTree.getOrDefault(full, idx.byCommit.get(full));
                if (e != null) {
                    return new Resolved(e.tree(), e.version(), e, null);
                }
                if (idx.complete()) {
                    break;
                }
            }
        } else {
            Index idx = all(); // an abbreviation is unique only among all versions
            Set<ObjectId> trees = new LinkedHashSet<>();
            for (Entry e : idx.entries) {
                if (e.tree().name().startsWith(hex) || e.commit().name().startsWith(hex)) {
                    trees.add(e.tree());
                }
            }
            if (trees.size() > 1) {
                throw new BrainTrustException.BadInput("'" + id + "' names several versions; give more of the id");
            }
            if (trees.size() == 1) {
                Entry e = idx.byTree.get(trees.iterator().next());
                return new Resolved(e.tree(), e.version(), e, null);
            }
        }
        if (homeCommits != null && homeCommits.has(hex)) {
            RevCommit c = homeCommits.commit(hex);
            return new Resolved(importTree(r, c), homeCommits.version(c), null, c);
        }
        if (hex.length() == Constants.OBJECT_ID_STRING_LENGTH && seen(r, hex) && isTree(r, ObjectId.fromString(hex))) {
            return new Resolved(ObjectId.fromString(hex), new Version(hex, null, EDIT, null,
                    "a state of the home read between two recorded versions", List.of(), false), null, null);
        }
        throw new BrainTrustException.NotFound("no version '" + id + "' in the history of " + home.root() + ": it never "
                + "existed, or it was older than BRAIN_TRUST_HISTORY_KEEP (" + human(keep) + ") and was pruned; "
                + "'brain-trust history' (GET /api/v1/history) lists the versions");
    }

    private boolean stored(ObjectId id) {
        try {
            return repo.getObjectDatabase().has(id);
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean seen(Repository r, String hex) {
        try {
            return r.exactRef(SEEN + hex) != null;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean isTree(Repository r, ObjectId id) {
        try {
            return r.getObjectDatabase().has(id) && r.open(id).getType() == Constants.OBJ_TREE;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Copies the three folders of a commit of the home's own repository into this one (same objects, same ids),
     * so every comparison and restore works on one repository.
     */
    private ObjectId importTree(Repository r, RevCommit c) {
        return imported.computeIfAbsent(c.copy(), id -> {
            try (org.eclipse.jgit.lib.ObjectReader reader = homeRepo.newObjectReader();
                 ObjectInserter inserter = r.newObjectInserter()) {
                org.eclipse.jgit.lib.TreeFormatter root = new org.eclipse.jgit.lib.TreeFormatter();
                try (org.eclipse.jgit.treewalk.TreeWalk walk = new org.eclipse.jgit.treewalk.TreeWalk(reader)) {
                    walk.addTree(c.getTree());
                    while (walk.next()) {
                        if (PaiHome.SYNCED_FOLDERS.contains(walk.getNameString())
                                && walk.getFileMode(0) == org.eclipse.jgit.lib.FileMode.TREE) {
                            root.append(walk.getNameString(), org.eclipse.jgit.lib.FileMode.TREE,
                                    copyTree(reader, inserter, walk.getObjectId(0)));
                        }
                    }
                }
                ObjectId tree = inserter.insert(root);
                inserter.flush();
                return tree;
            } catch (IOException e) {
                throw RepositoryHistory.unavailable(e);
            }
        });
    }

    private static ObjectId copyTree(org.eclipse.jgit.lib.ObjectReader reader, ObjectInserter inserter, ObjectId tree)
            throws IOException {
        org.eclipse.jgit.lib.TreeFormatter out = new org.eclipse.jgit.lib.TreeFormatter();
        try (org.eclipse.jgit.treewalk.TreeWalk walk = new org.eclipse.jgit.treewalk.TreeWalk(reader)) {
            walk.addTree(tree);
            while (walk.next()) {
                org.eclipse.jgit.lib.FileMode mode = walk.getFileMode(0);
                if (mode == org.eclipse.jgit.lib.FileMode.TREE) {
                    out.append(walk.getRawPath(), mode, copyTree(reader, inserter, walk.getObjectId(0)));
                } else if (mode == org.eclipse.jgit.lib.FileMode.REGULAR_FILE || mode == org.eclipse.jgit.lib.FileMode.EXECUTABLE_FILE) {
                    byte[] bytes = reader.open(walk.getObjectId(0), Constants.OBJ_BLOB).getCachedBytes(Trees.BINARY_THRESHOLD + 1);
                    out.append(walk.getRawPath(), mode, inserter.insert(Constants.OBJ_BLOB, bytes));
                }
            }
        }
        return inserter.insert(out);
    }

    @Override
    public HistoryPage list(String file, int limit, int offset) {
        repo();
        String path = file == null || file.isBlank() ? null : Trees.path(file);
        Index idx = path == null ? loaded(offset + limit + 1) : all();
        ObjectId now = lastTree;
        List<Version> local = new ArrayList<>();
        boolean currentMarked = false;
        for (Entry e : idx.entries) {
            if (path == null || e.version().touches(path)) {
                boolean isNow = !currentMarked && e.tree().equals(now);
                currentMarked |= isNow;
                local.add(e.version().asCurrent(isNow));
            }
        }
        if (homeCommits == null) {
            int end = Math.min(local.size(), offset + limit);
            return new HistoryPage(offset >= local.size() ? List.of() : local.subList(offset, end), limit, offset,
                    local.size() > offset + limit, HistoryPage.RESTORE);
        }
        List<RepositoryHistory.Header> own = homeCommits.headers(path, Math.min(MAX_HOME_COMMITS, offset + limit + 1));
        List<Version> page = new ArrayList<>();
        int i = 0;
        int j = 0;
        int position = 0;
        while ((i < local.size() || j < own.size()) && position < offset + limit) {
            boolean takeLocal = j >= own.size()
                    || (i < local.size() && !local.get(i).time().isBefore(own.get(j).time()));
            if (position >= offset) {
                page.add(takeLocal ? local.get(i) : homeCommits.version(own.get(j).commit()));
            }
            if (takeLocal) {
                i++;
            } else {
                j++;
            }
            position++;
        }
        boolean more = i < local.size() || j < own.size();
        return new HistoryPage(page, limit, offset, more, HistoryPage.RESTORE);
    }

    @Override
    public VersionFiles files(String id) {
        Resolved v = resolve(id);
        try {
            return new VersionFiles(v.version(), Trees.files(repo(), v.tree()));
        } catch (IOException e) {
            throw RepositoryHistory.unavailable(e);
        }
    }

    @Override
    public VersionDiff diff(String from, String to) {
        Repository r = repo();
        boolean toNow = to == null || to.isBlank() || to.equalsIgnoreCase("now");
        ObjectId newer;
        String toId;
        Resolved newerVersion = null;
        if (toNow) {
            newer = scanForSnapshot().tree();
            toId = "now";
        } else {
            newerVersion = resolve(to);
            newer = newerVersion.tree();
            toId = newerVersion.version().id();
        }
        ObjectId older;
        String fromId;
        if (from == null || from.isBlank()) {
            Entry before = versionBefore(newer, newerVersion);
            older = before == null ? null : before.tree();
            fromId = before == null ? null : before.version().id();
        } else {
            Resolved o = resolve(from);
            older = o.tree();
            fromId = o.version().id();
        }
        try {
            Trees.Diffs diffs = Trees.diffs(r, older, newer);
            return new VersionDiff(fromId, toId, newer.name(), diffs.files(), diffs.truncated());
        } catch (IOException e) {
            throw RepositoryHistory.unavailable(e);
        }
    }

    /** The version before {@code tree}: for the home now, the newest version unless it is the same content. */
    private Entry versionBefore(ObjectId tree, Resolved version) {
        Index idx = current();
        if (version != null && version.entry() != null) {
            int position = idx.entries.indexOf(version.entry());
            if (position < 0) {
                idx = all();
                position = idx.entries.indexOf(version.entry());
            }
            return loaded(position + 2).before(version.entry());
        }
        Entry newest = idx.newest();
        if (newest != null && newest.tree().equals(tree)) {
            return loaded(2).before(newest);
        }
        return newest;
    }

    @Override
    public byte[] read(String id, String path) {
        Resolved v = resolve(id);
        String file = Trees.path(path);
        try {
            Trees.Blob blob = Trees.find(repo(), v.tree(), file);
            if (blob == null) {
                throw new BrainTrustException.NotFound("version " + v.version().id() + " has no file " + file);
            }
            return Trees.bytes(repo(), blob.id());
        } catch (IOException e) {
            throw RepositoryHistory.unavailable(e);
        }
    }

    @Override
    public PastRevision open(String revision) {
        Resolved v = resolve(revision);
        try {
            return new PastRevision(Trees.context(repo(), v.tree(), v.version().id(), limits, clock), null, null);
        } catch (IOException e) {
            throw RepositoryHistory.unavailable(e);
        }
    }

    @Override
    public String now() {
        return scanForSnapshot().tree().name();
    }

    // --- restoring -------------------------------------------------------------------------------

    @Override
    public RestoreResult restore(String id, List<String> files) {
        Repository r = repo();
        try (HistoryLock.Held ignored = lock.acquire(LOCK_WAIT)) {
            Resolved source = resolve(id);
            ObjectId before = recordLocked(r, EDIT, null).tree(); // the text the home has now is a version before anything is written
            Map<String, Trees.Blob> wanted = blobs(r, source.tree());
            Map<String, Trees.Blob> present = blobs(r, before);
            Set<String> targets = new TreeSet<>();
            if (files == null || files.isEmpty()) {
                targets.addAll(wanted.keySet());
                targets.addAll(present.keySet());
            } else {
                for (String f : files) {
                    String path = Trees.path(f);
                    if (!wanted.containsKey(path) && !present.containsKey(path)) {
                        throw new BrainTrustException.NotFound("version " + source.version().id() + " has no file " + path
                                + ", and the home has none either");
                    }
                    targets.add(path);
                }
            }
            List<String> written = new ArrayList<>();
            List<String> deleted = new ArrayList<>();
            for (String path : targets) {
                Trees.Blob blob = wanted.get(path);
                Trees.Blob now = present.get(path);
                if (blob != null && !blob.equals(now)) {
                    writeAtomically(path, Trees.bytes(r, blob.id()), blob.executable());
                    written.add(path);
                } else if (blob == null && now != null) {
                    Files.deleteIfExists(inHome(path));
                    deleted.add(path);
                }
            }
            String from = source.version().id();
            Optional<Version> after = written.isEmpty() && deleted.isEmpty() ? Optional.empty()
                    : recordLocked(r, RESTORE, "Restored " + (written.size() + deleted.size())
                    + (written.size() + deleted.size() == 1 ? " file" : " files") + " from " + from.substring(0, Math.min(12, from.length())))
                    .version();
            String kept = before.name();
            String note = written.isEmpty() && deleted.isEmpty()
                    ? "Nothing to restore: the home already has these files as in version " + from + "."
                    : "Restored " + String.join(", ", concat(written, deleted)) + " from version " + from + ". The text you had"
                    + " is kept as version " + kept + ": 'brain-trust restore " + kept + "' brings it back.";
            return new RestoreResult(from, written, deleted, kept, after.map(Version::id).orElse(null), note);
        } catch (IOException e) {
            throw new BrainTrustException.Unavailable("the restore failed part way: " + e.getMessage()
                    + "; nothing is lost (the text you had is a version: see 'brain-trust history')", e);
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static Map<String, Trees.Blob> blobs(Repository r, ObjectId tree) throws IOException {
        Map<String, Trees.Blob> files = new LinkedHashMap<>();
        try (org.eclipse.jgit.treewalk.TreeWalk walk = new org.eclipse.jgit.treewalk.TreeWalk(r)) {
            walk.addTree(tree);
            walk.setRecursive(true);
            while (walk.next()) {
                org.eclipse.jgit.lib.FileMode mode = walk.getFileMode(0);
                if (mode == org.eclipse.jgit.lib.FileMode.REGULAR_FILE || mode == org.eclipse.jgit.lib.FileMode.EXECUTABLE_FILE) {
                    files.put(walk.getPathString(), new Trees.Blob(walk.getObjectId(0).copy(),
                            mode == org.eclipse.jgit.lib.FileMode.EXECUTABLE_FILE));
                }
            }
        }
        return files;
    }

    /** A path of the home, refused when a folder on the way leads outside the folder it belongs to. */
    private Path inHome(String path) throws IOException {
        String folder = path.substring(0, path.indexOf('/'));
        Path base = home.root().resolve(folder);
        Path target = home.root().resolve(path).normalize();
        Files.createDirectories(target.getParent());
        Path realBase = base.toRealPath();
        if (!target.getParent().toRealPath().startsWith(realBase)) {
            throw new BrainTrustException.BadInput(path + " leads outside " + folder + "/ (a linked folder); not restored");
        }
        return target;
    }

    private void writeAtomically(String path, byte[] bytes, boolean executable) throws IOException {
        Path target = inHome(path);
        Path temp = target.resolveSibling("." + target.getFileName() + ".restore-" + UUID.randomUUID().toString().substring(0, 8));
        try {
            try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(temp,
                    java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE)) {
                java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            Set<PosixFilePermission> perms = Files.exists(target, LinkOption.NOFOLLOW_LINKS) && !Files.isSymbolicLink(target)
                    ? EnumSet.copyOf(Files.getPosixFilePermissions(target))
                    : EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.GROUP_READ,
                    PosixFilePermission.OTHERS_READ);
            perms.removeAll(EnumSet.of(PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_EXECUTE));
            if (executable) {
                perms.add(PosixFilePermission.OWNER_EXECUTE);
                if (perms.contains(PosixFilePermission.GROUP_READ)) {
                    perms.add(PosixFilePermission.GROUP_EXECUTE);
                }
                if (perms.contains(PosixFilePermission.OTHERS_READ)) {
                    perms.add(PosixFilePermission.OTHERS_EXECUTE);
                }
            }
            Files.setPosixFilePermissions(temp, perms);
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    // --- pruning -----------------------------------------------------------------------------------

    /** What a pruning did. */
    public record PruneReport(int before, int kept, int dropped, int keptForRuns) {
    }

    /**
     * Drops the versions older than BRAIN_TRUST_HISTORY_KEEP, except the newest one and every version a stored
     * run used (their revision), then packs the repository and deletes what nothing holds any more. States runs
     * used that no version holds are kept too. Readers are never held up: the index of versions is replaced
     * whole, and the repository stays readable throughout.
     *
     * @throws BrainTrustException.Unavailable when the revisions the runs used cannot be read (nothing is dropped then)
     */
    public PruneReport prune(Instant now) {
        Repository r = repo();
        Set<String> used = usedRevisions.get();
        try (HistoryLock.Held ignored = lock.acquire(LOCK_WAIT)) {
            Index idx = all();
            Instant cutoff = now.minus(keep);
            List<Entry> oldestFirst = new ArrayList<>(idx.entries);
            java.util.Collections.reverse(oldestFirst);
            List<Entry> kept = new ArrayList<>();
            int forRuns = 0;
            for (Entry e : oldestFirst) {
                boolean recent = !e.version().time().isBefore(cutoff);
                boolean usedByRun = used.contains(e.tree().name());
                if (recent || usedByRun || e == idx.newest()) {
                    kept.add(e);
                    if (!recent && usedByRun) {
                        forRuns++;
                    }
                }
            }
            int forgotten = forgetSeenStates(r, used);
            int dropped = oldestFirst.size() - kept.size();
            if (dropped > 0) {
                ObjectId parent = null;
                try (ObjectInserter inserter = r.newObjectInserter(); RevWalk walk = new RevWalk(r)) {
                    for (Entry e : kept) {
                        RevCommit original = walk.parseCommit(e.commit());
                        CommitBuilder copy = new CommitBuilder();
                        copy.setTreeId(original.getTree());
                        if (parent != null) {
                            copy.setParentId(parent);
                        }
                        copy.setAuthor(original.getAuthorIdent());
                        copy.setCommitter(original.getCommitterIdent());
                        copy.setMessage(original.getFullMessage());
                        parent = inserter.insert(copy);
                    }
                    inserter.flush();
                }
                moveBranch(r, idx.head, parent, true);
                synchronized (indexLock) {
                    index = load(branchHead(), Index.EMPTY, CHUNK);
                }
                log.info("pruned the history: {} versions older than {} dropped, {} kept ({} of them for runs that used them)",
                        dropped, human(keep), kept.size(), forRuns);
            }
            if (dropped > 0 || forgotten > 0 || recordedSincePack > 0) {
                recordedSincePack = 0;
                gc(clock.instant().minus(YOUNG));
            }
            return new PruneReport(oldestFirst.size(), kept.size(), dropped, forRuns);
        } catch (IOException e) {
            throw new BrainTrustException.Unavailable("cannot prune the history in " + gitDir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Deletes the refs of states read between two versions that no stored run used (older than {@link #YOUNG}:
     * a run may be starting with a younger one). Those a run used stay.
     */
    private int forgetSeenStates(Repository r, Set<String> used) throws IOException {
        int forgotten = 0;
        Instant young = Instant.now().minus(YOUNG);
        for (Ref ref : r.getRefDatabase().getRefsByPrefix(SEEN)) {
            String id = ref.getName().substring(SEEN.length());
            if (used.contains(id)) {
                continue;
            }
            Path loose = gitDir.resolve(ref.getName());
            if (Files.exists(loose) && Files.getLastModifiedTime(loose).toInstant().isAfter(young)) {
                continue;
            }
            RefUpdate delete = r.updateRef(ref.getName());
            delete.setForceUpdate(true);
            delete.delete();
            forgotten++;
        }
        return forgotten;
    }

    /**
     * For a long-running process: records what changed while no server watched, then prunes a minute after start
     * and every day.
     */
    public void startMaintenance() {
        if (repo == null) {
            return;
        }
        changed();
        timer().scheduleWithFixedDelay(() -> {
            try {
                prune(clock.instant());
            } catch (RuntimeException e) {
                log.warn("the history was not pruned: {}", e.getMessage());
            }
        }, FIRST_PRUNE_AFTER.toMillis(), PRUNE_EVERY.toMillis(), TimeUnit.MILLISECONDS);
    }

    static String human(Duration d) {
        if (d.toHours() % 24 == 0 && d.toDays() > 0) {
            return d.toDays() + " days";
        }
        return d.toHours() > 0 ? d.toHours() + " h" : d.toSeconds() + " s";
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (var all = Files.walk(dir)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            log.warn("cannot delete {}: {}", dir, e.getMessage());
        }
    }

    /** Records a burst still waiting for its quiet time, then stops. */
    @Override
    public void close() {
        boolean due;
        ScheduledExecutorService t;
        synchronized (this) {
            closed = true;
            due = pending != null;
            if (pending != null) {
                pending.cancel(false);
            }
            t = timer;
        }
        if (t != null) {
            t.shutdown();
            try {
                t.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (due && repo != null) {
            try {
                record(EDIT, null);
            } catch (RuntimeException e) {
                log.warn("the last changes were not recorded as a version (the next start records them): {}", e.getMessage());
            }
        }
        if (repo != null) {
            repo.close();
        }
        if (homeRepo != null) {
            homeRepo.close();
        }
    }
}
