package dev.braintrust.sync;

import dev.braintrust.home.PaiHome;
import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.dircache.DirCacheCheckout;
import org.eclipse.jgit.errors.CorruptObjectException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.TreeFormatter;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.treewalk.filter.TreeFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The mirror's git-side moves: the working tree and index to a commit, the branch to it, and what changed. */
final class WorkTree {
    private static final Logger log = LoggerFactory.getLogger(WorkTree.class);

    private WorkTree() {
    }

    /**
     * Makes the index and the working tree equal to the commit, like {@code git reset --hard}:
     * local edits are overwritten, files the commit no longer has are removed, untracked files
     * (logs/, state/) are left alone. Top-level {@code logs} and {@code state} entries of the commit
     * are left out, so a repository that holds them can never overwrite the journal or the database.
     */
    static void checkout(Repository repo, Path gitDir, ObjectId commit, ObjectId commitTree) throws IOException {
        ObjectId tree = withoutLocalFolders(repo, commit, commitTree);
        for (int attempt = 1; ; attempt++) {
            DirCache index;
            try {
                index = repo.lockDirCache();
            } catch (CorruptObjectException e) {
                if (attempt > 1) {
                    throw e;
                }
                MirrorRepair.dropIndex(gitDir);
                continue;
            }
            try {
                DirCacheCheckout checkout = new DirCacheCheckout(repo, index, tree);
                checkout.setFailOnConflict(false);
                checkout.setForce(true);
                checkout.checkout();
                return;
            } catch (IOException | RuntimeException e) {
                if (attempt > 1) {
                    throw e;
                }
                log.info("checkout of {} failed ({}); retrying with a fresh index", commit.name(), e.getMessage());
            } finally {
                index.unlock();
            }
            MirrorRepair.dropIndex(gitDir);
        }
    }

    private static ObjectId withoutLocalFolders(Repository repo, ObjectId commit, ObjectId commitTree) throws IOException {
        try (ObjectReader reader = repo.newObjectReader(); TreeWalk walk = new TreeWalk(reader)) {
            walk.addTree(commitTree);
            walk.setRecursive(false);
            TreeFormatter filtered = new TreeFormatter();
            boolean dropped = false;
            while (walk.next()) {
                if (PaiHome.LOCAL_FOLDERS.contains(walk.getNameString())) {
                    dropped = true;
                    continue;
                }
                filtered.append(walk.getRawPath(), walk.getFileMode(0), walk.getObjectId(0));
            }
            if (!dropped) {
                return commitTree;
            }
            log.warn("commit {} contains logs/ or state/; they are not checked out (they belong to the server)", commit.name());
            try (ObjectInserter inserter = repo.newObjectInserter()) {
                ObjectId id = filtered.insertTo(inserter);
                inserter.flush();
                return id;
            }
        }
    }

    static void moveBranch(Repository repo, String branchRef, ObjectId commit) throws IOException {
        RefUpdate branch = repo.updateRef(branchRef);
        branch.setNewObjectId(commit);
        branch.setForceUpdate(true);
        branch.setRefLogMessage("brain-trust sync: " + commit.name(), false);
        RefUpdate.Result result = branch.forceUpdate();
        switch (result) {
            case NEW, FORCED, FAST_FORWARD, NO_CHANGE -> {
            }
            default -> throw new IOException("cannot move " + branchRef + " to " + commit.name() + ": " + result);
        }
        Ref head = repo.exactRef(Constants.HEAD);
        if (head == null || !head.isSymbolic() || !head.getTarget().getName().equals(branchRef)) {
            RefUpdate.Result linked = repo.updateRef(Constants.HEAD).link(branchRef);
            if (linked != RefUpdate.Result.NEW && linked != RefUpdate.Result.FORCED && linked != RefUpdate.Result.NO_CHANGE) {
                throw new IOException("cannot point HEAD at " + branchRef + ": " + linked);
            }
        }
    }

    record Changes(List<String> paths, int count) {
    }

    static Changes changedPaths(Repository repo, ObjectId oldTree, ObjectId newTree) throws IOException {
        List<String> paths = new ArrayList<>();
        int count = 0;
        try (ObjectReader reader = repo.newObjectReader(); TreeWalk walk = new TreeWalk(reader)) {
            walk.setRecursive(true);
            if (oldTree != null && reader.has(oldTree)) {
                walk.addTree(oldTree);
                walk.addTree(newTree);
                walk.setFilter(TreeFilter.ANY_DIFF);
            } else {
                walk.addTree(newTree);
            }
            while (walk.next()) {
                count++;
                if (paths.size() < SyncResult.MAX_LISTED_PATHS) {
                    paths.add(walk.getPathString());
                }
            }
        }
        return new Changes(paths, count);
    }
}
