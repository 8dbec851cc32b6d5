package dev.braintrust.history;

import dev.braintrust.context.ContextLimits;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.braintrust.BrainTrustException;
import dev.braintrust.home.PaiHome;
import org.eclipse.jgit.errors.AmbiguousObjectException;
import org.eclipse.jgit.errors.MissingObjectException;
import org.eclipse.jgit.lib.AbbreviatedObjectId;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevSort;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.filter.AndTreeFilter;
import org.eclipse.jgit.treewalk.filter.PathFilter;
import org.eclipse.jgit.treewalk.filter.PathFilterGroup;
import org.eclipse.jgit.treewalk.filter.TreeFilter;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The history of a git repository's commits: the mirror's in cloud mode ({@link History#SYNC}), and the home's
 * own repository in local mode when the home is also a clone ({@link History#COMMIT}). Versions are commits,
 * newest first, with their author, message and the files they changed under {@code context/}, {@code skills/}
 * and {@code workflows/}. Commits are immutable, so what each changed is computed once and cached.
 *
 * <p>It never writes to the repository. Going back is not a restore here (the repository is the truth): the
 * answer to {@link #restore} is a {@link BrainTrustException.Conflict} with {@code restoreAdvice}.
 */
public final class RepositoryHistory implements History {
    static final Pattern HEX_ID = Pattern.compile("[0-9a-f]{4,64}");
    /** Commits walked at most for one listing. */
    static final int MAX_WALK = 100_000;

    private final Supplier<Repository> repository;
    private final Supplier<List<ObjectId>> starts;
    private final Supplier<ObjectId> served;
    private final String source;
    private final boolean onlyTouching;
    private final String goBack;
    private final String restoreAdvice;
    private final Clock clock;
    private final ContextLimits limits;
    private final Cache<ObjectId, List<FileChange>> changes = Caffeine.newBuilder().maximumSize(20_000).build();

    /**
     * @param repository    the repository (a supplier: the mirror may open it anew after a repair)
     * @param starts        the commits the timeline starts from (the branch head, ...); empty when there is none yet
     * @param served        the commit the home is at now, or null
     * @param source        what its versions are: {@link History#SYNC} or {@link History#COMMIT}
     * @param onlyTouching  list only the commits that changed something under the three folders
     * @param goBack        {@link HistoryPage#PIN} or {@link HistoryPage#RESTORE}
     * @param restoreAdvice what {@link #restore} answers: why not, and what to do instead
     */
    public RepositoryHistory(Supplier<Repository> repository, Supplier<List<ObjectId>> starts, Supplier<ObjectId> served,
                             String source, boolean onlyTouching, String goBack, String restoreAdvice, Clock clock) {
        this(repository, starts, served, source, onlyTouching, goBack, restoreAdvice, ContextLimits.DEFAULT, clock);
    }

    /** @param limits what a past revision's context may hold, as today's may (see {@link ContextLimits}) */
    public RepositoryHistory(Supplier<Repository> repository, Supplier<List<ObjectId>> starts, Supplier<ObjectId> served,
                             String source, boolean onlyTouching, String goBack, String restoreAdvice, ContextLimits limits,
                             Clock clock) {
        this.limits = limits;
        this.repository = repository;
        this.starts = starts;
        this.served = served;
        this.source = source;
        this.onlyTouching = onlyTouching;
        this.goBack = goBack;
        this.restoreAdvice = restoreAdvice;
        this.clock = clock;
    }

    /** A commit of the timeline: enough to order and page it; {@link #version} makes the rest. */
    record Header(ObjectId commit, Instant time) {
    }

    @Override
    public HistoryPage list(String file, int limit, int offset) {
        List<Header> headers = headers(file, offset + limit + 1);
        List<Version> page = new ArrayList<>();
        for (int i = offset; i < Math.min(headers.size(), offset + limit); i++) {
            page.add(version(headers.get(i).commit()));
        }
        return new HistoryPage(page, limit, offset, headers.size() > offset + limit, goBack);
    }

    /** The newest {@code max} commits of the timeline (those that changed {@code file}, when given), newest first. */
    List<Header> headers(String file, int max) {
        Repository repo = repository.get();
        List<ObjectId> from = starts.get();
        if (repo == null || from.isEmpty()) {
            return List.of();
        }
        List<Header> headers = new ArrayList<>();
        try (RevWalk walk = new RevWalk(repo)) {
            walk.sort(RevSort.COMMIT_TIME_DESC);
            walk.setRetainBody(false);
            TreeFilter filter = file != null ? PathFilter.create(Trees.path(file))
                    : onlyTouching ? PathFilterGroup.createFromStrings(PaiHome.SYNCED_FOLDERS) : null;
            if (filter != null) {
                walk.setTreeFilter(AndTreeFilter.create(filter, TreeFilter.ANY_DIFF));
            }
            for (ObjectId start : from) {
                walk.markStart(walk.parseCommit(start));
            }
            int walked = 0;
            for (RevCommit c : walk) {
                headers.add(new Header(c.copy(), Instant.ofEpochSecond(c.getCommitTime())));
                if (headers.size() >= max || ++walked >= MAX_WALK) {
                    break;
                }
            }
        } catch (MissingObjectException e) {
            return headers; // a shallow or damaged history ends here
        } catch (IOException e) {
            throw unavailable(e);
        }
        return headers;
    }

    /** One commit as a version. */
    Version version(ObjectId commit) {
        Repository repo = repository.get();
        try (RevWalk walk = new RevWalk(repo)) {
            RevCommit c = walk.parseCommit(commit);
            List<FileChange> files;
            try {
                files = changes.get(c.copy(), id -> changesOf(repo, c));
            } catch (java.io.UncheckedIOException e) {
                throw e.getCause();
            }
            PersonIdent author = c.getAuthorIdent();
            String message = c.getFullMessage().strip();
            ObjectId now = served.get();
            return new Version(c.name(), Instant.ofEpochSecond(c.getCommitTime()), source,
                    author == null ? null : author.getName(), message.isEmpty() ? null : message, files, c.equals(now));
        } catch (IOException e) {
            throw unavailable(e);
        }
    }

    private static List<FileChange> changesOf(Repository repo, RevCommit c) {
        try (RevWalk walk = new RevWalk(repo)) {
            RevCommit parsed = walk.parseCommit(c);
            ObjectId parentTree = parsed.getParentCount() == 0 ? null : walk.parseCommit(parsed.getParent(0)).getTree();
            return Trees.changes(repo, parentTree, parsed.getTree());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * The commit an id names: a full id or an unambiguous abbreviation of at least 4 hex digits.
     *
     * @throws BrainTrustException.NotFound when the repository has no such commit
     */
    RevCommit commit(String id) {
        Repository repo = repository.get();
        String hex = normalise(id);
        if (repo == null) {
            throw notFound(id);
        }
        try (ObjectReader reader = repo.newObjectReader(); RevWalk walk = new RevWalk(reader)) {
            ObjectId full;
            if (hex.length() == org.eclipse.jgit.lib.Constants.OBJECT_ID_STRING_LENGTH) {
                full = ObjectId.fromString(hex);
            } else {
                Collection<ObjectId> matches = reader.resolve(AbbreviatedObjectId.fromString(hex));
                List<ObjectId> commits = new ArrayList<>();
                for (ObjectId m : matches) {
                    if (reader.open(m).getType() == org.eclipse.jgit.lib.Constants.OBJ_COMMIT) {
                        commits.add(m);
                    }
                }
                if (commits.size() > 1) {
                    throw new BrainTrustException.BadInput("'" + id + "' names several commits; give more of the id");
                }
                if (commits.isEmpty()) {
                    throw notFound(id);
                }
                full = commits.get(0);
            }
            return walk.parseCommit(full);
        } catch (MissingObjectException | org.eclipse.jgit.errors.IncorrectObjectTypeException e) {
            throw notFound(id);
        } catch (AmbiguousObjectException e) {
            throw new BrainTrustException.BadInput("'" + id + "' names several commits; give more of the id");
        } catch (IOException e) {
            throw unavailable(e);
        }
    }

    /** True when the repository has this commit. */
    boolean has(String id) {
        try {
            commit(id);
            return true;
        } catch (BrainTrustException.NotFound | BrainTrustException.BadInput e) {
            return false;
        }
    }

    @Override
    public VersionFiles files(String id) {
        RevCommit c = commit(id);
        try {
            return new VersionFiles(version(c), Trees.files(repository.get(), c.getTree()));
        } catch (IOException e) {
            throw unavailable(e);
        }
    }

    @Override
    public VersionDiff diff(String from, String to) {
        Repository repo = repository.get();
        boolean toNow = to == null || to.isBlank() || to.equalsIgnoreCase("now");
        RevCommit newer = toNow ? commit(now()) : commit(to);
        RevCommit older;
        if (from == null || from.isBlank()) {
            older = newer.getParentCount() == 0 ? null : commit(newer.getParent(0).name());
        } else {
            older = commit(from);
        }
        try {
            Trees.Diffs diffs = Trees.diffs(repo, older == null ? null : older.getTree(), newer.getTree());
            return new VersionDiff(older == null ? null : older.name(), toNow ? "now" : newer.name(), newer.name(),
                    diffs.files(), diffs.truncated());
        } catch (IOException e) {
            throw unavailable(e);
        }
    }

    @Override
    public byte[] read(String id, String path) {
        RevCommit c = commit(id);
        String file = Trees.path(path);
        try {
            Trees.Blob blob = Trees.find(repository.get(), c.getTree(), file);
            if (blob == null) {
                throw new BrainTrustException.NotFound("version " + c.name() + " has no file " + file);
            }
            return Trees.bytes(repository.get(), blob.id());
        } catch (IOException e) {
            throw unavailable(e);
        }
    }

    @Override
    public PastRevision open(String revision) {
        RevCommit c = commit(revision);
        try {
            return new PastRevision(Trees.context(repository.get(), c.getTree(), c.name(), limits, clock), null, null);
        } catch (IOException e) {
            throw unavailable(e);
        }
    }

    @Override
    public RestoreResult restore(String id, List<String> files) {
        commit(id);
        throw new BrainTrustException.Conflict(restoreAdvice.replace("{id}", normalise(id)));
    }

    @Override
    public String now() {
        ObjectId now = served.get();
        if (now == null) {
            throw new BrainTrustException.NotFound("there is no commit yet: the first sync has not succeeded");
        }
        return now.name();
    }

    static String normalise(String id) {
        String hex = id == null ? "" : id.strip().toLowerCase(Locale.ROOT);
        if (!HEX_ID.matcher(hex).matches()) {
            throw new BrainTrustException.BadInput("'" + (id == null ? "" : id.replace("\0", "\\0"))
                    + "' is not a version id: give the hex id of a version (at least 4 digits) from GET /api/v1/history");
        }
        return hex;
    }

    private BrainTrustException notFound(String id) {
        return new BrainTrustException.NotFound("no version '" + id + "' in the history: it is not a commit of the repository"
                + " (it may have been removed by a force-push and garbage collection); GET /api/v1/history lists the versions");
    }

    static BrainTrustException unavailable(IOException e) {
        return new BrainTrustException.Unavailable("cannot read the history: " + e.getMessage(), e);
    }
}
