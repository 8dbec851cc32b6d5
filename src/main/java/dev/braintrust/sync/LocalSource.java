package dev.braintrust.sync;

import org.eclipse.jgit.errors.MissingObjectException;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.ObjectLoader;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.RepositoryCache;
import org.eclipse.jgit.revwalk.ObjectWalk;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevObject;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.util.FS;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * A remote that is a repository on this machine (a path or a {@code file://} URL), read directly: the
 * branch head from its refs, and the objects of a small push copied into the mirror as loose objects,
 * as git itself unpacks a fetch of fewer than {@code fetch.unpackLimit} (100) objects.
 *
 * <p>JGit's local transport speaks the pack protocol to an upload-pack of its own instead: a thread
 * and two pipes of 1 KiB per fetch, the remote opened afresh each time (its pack indexes and bitmaps
 * read again), and the received pack and its index forced to disk. Here the remote stays open between
 * syncs (JGit notices new packs and refs by their file snapshots, and the ref is read again every
 * time). A first clone, a push of more objects than the limit, and a remote whose history no longer
 * holds what the mirror has (a force-push after the remote's garbage collection) go through the transport.
 */
final class LocalSource implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LocalSource.class);
    /** Git's default {@code fetch.unpackLimit}: above this many objects, a fetch keeps its pack. */
    static final int UNPACK_LIMIT = 100;

    private final File gitDir;
    private Repository source;

    private LocalSource(File gitDir) {
        this.gitDir = gitDir;
    }

    /** The remote read directly, or null when it is not a repository on this machine. */
    static LocalSource of(GitRemote remote) {
        try {
            URIish uri = new URIish(remote.url());
            if (uri.getHost() != null || (uri.getScheme() != null && !uri.getScheme().equals("file")) || uri.getPath() == null) {
                return null;
            }
            return new LocalSource(new File(uri.getPath()));
        } catch (URISyntaxException e) {
            return null;
        }
    }

    /**
     * The branch's head on the remote, read from its refs now.
     *
     * @return null when the remote cannot be read directly (the transport then says why) or lacks the branch
     */
    ObjectId head(String branchRef) {
        try {
            Repository r = open();
            if (r == null) {
                return null;
            }
            r.getRefDatabase().refresh();
            Ref ref = r.exactRef(branchRef);
            return ref == null ? null : ref.getObjectId();
        } catch (IOException | RuntimeException e) {
            drop(e);
            return null;
        }
    }

    /**
     * Copies into {@code target} every object reachable from {@code head} that is not reachable from
     * {@code haves} (commits the mirror has) and that {@code target} lacks, each checked against its id.
     *
     * @return false, having written nothing, when there are more than {@link #UNPACK_LIMIT} such objects,
     *         none of {@code haves} is on the remote, or the remote cannot be read: fetch through the transport then
     */
    boolean copyNewObjects(Repository target, ObjectId head, Collection<ObjectId> haves, SyncSteps.Timer timer) {
        Repository from;
        try {
            from = open();
        } catch (IOException | RuntimeException e) {
            drop(e);
            return false;
        }
        if (from == null) {
            return false;
        }
        try (ObjectWalk walk = new ObjectWalk(from);
             ObjectReader have = target.newObjectReader()) {
            walk.markStart(walk.parseCommit(head));
            boolean anyHave = false;
            for (ObjectId id : haves) {
                if (id != null && from.getObjectDatabase().has(id)) {
                    RevObject o = walk.parseAny(id);
                    if (o instanceof RevCommit c) {
                        walk.markUninteresting(c);
                        anyHave = true;
                    }
                }
            }
            if (!anyHave) {
                return false;
            }
            List<RevObject> missing = new ArrayList<>();
            for (RevObject o; (o = walk.next()) != null; ) {
                if (!have.has(o) && !add(missing, o)) {
                    return false;
                }
            }
            for (RevObject o; (o = walk.nextObject()) != null; ) {
                if (!have.has(o) && !add(missing, o)) {
                    return false;
                }
            }
            timer.lap("fetch: objects to copy");
            ObjectReader reader = walk.getObjectReader();
            try (ObjectInserter into = target.newObjectInserter()) {
                for (RevObject o : missing) {
                    if (SyncTuning.LINK_LOOSE_OBJECTS && LooseObjects.link(from, target, o)) {
                        continue;
                    }
                    ObjectLoader loader = reader.open(o, o.getType());
                    ObjectId written;
                    if (loader.isLarge()) {
                        try (InputStream in = loader.openStream()) {
                            written = into.insert(o.getType(), loader.getSize(), in);
                        }
                    } else {
                        written = into.insert(o.getType(), loader.getCachedBytes());
                    }
                    if (!written.equals(o)) {
                        throw new IOException("object " + o.name() + " of " + gitDir + " does not match its id");
                    }
                }
                into.flush();
            }
            timer.lap("fetch: objects copied");
            return true;
        } catch (MissingObjectException e) {
            log.debug("{} lacks an object the copy needs ({}); fetching through the transport", gitDir, e.getMessage());
            return false;
        } catch (IOException | RuntimeException e) {
            drop(e);
            return false;
        }
    }

    private static boolean add(List<RevObject> missing, RevObject o) {
        missing.add(o);
        return missing.size() <= UNPACK_LIMIT;
    }

    private Repository open() throws IOException {
        if (source == null) {
            File dir = RepositoryCache.FileKey.resolve(gitDir, FS.DETECTED);
            if (dir == null) {
                return null;
            }
            source = new FileRepositoryBuilder().setGitDir(dir).setMustExist(true).build();
        }
        return source;
    }

    /** Closes the remote after a failure: the next sync opens it again (and this one uses the transport). */
    private void drop(Exception e) {
        log.debug("reading {} directly failed ({}); fetching through the transport", gitDir, e.toString());
        close();
    }

    @Override
    public void close() {
        if (source != null) {
            source.close();
            source = null;
        }
    }
}
