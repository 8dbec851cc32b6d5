package dev.braintrust.sync;

import dev.braintrust.BrainTrustException;
import dev.braintrust.home.PaiHome;
import org.eclipse.jgit.dircache.DirCacheIterator;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.ReflogEntry;
import org.eclipse.jgit.lib.ReflogReader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.EmptyTreeIterator;
import org.eclipse.jgit.treewalk.FileTreeIterator;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.treewalk.filter.TreeFilter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What a sync must not destroy in the mirror's home: commits the remote never had (the sync is
 * refused), and files that differ from the last commit the mirror put there and that the checkout
 * would overwrite or delete (they are moved aside, under {@code state/sync/overwritten/<time>/}
 * with the same relative paths, before the checkout).
 */
final class LocalEdits {
    static final String ASIDE = "state/sync/overwritten";
    private static final DateTimeFormatter FOLDER = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH-mm-ss'Z'").withZone(ZoneOffset.UTC);
    /** Reflog entries read to learn which commits came from the remote or from the mirror itself. */
    private static final int REFLOG_ENTRIES = 200;

    private LocalEdits() {
    }

    /**
     * Refuses to move the home when its branch, or its HEAD, holds commits that neither the
     * remote's head nor any earlier head fetched from the remote nor any earlier sync had: someone
     * committed in the home and did not push.
     *
     * @param alsoKnown commits the caller knows came from the remote (what it served): when the tips are
     *                  among them, the reflogs, which grow with every sync, are not read
     * @throws BrainTrustException.BadConfig naming the commits and saying to push them first; nothing is changed
     */
    static void refuseUnpushedCommits(Repository repo, String branchRef, String trackingRef, ObjectId remoteHead,
                                      Path home, GitRemote remote, Set<ObjectId> alsoKnown) throws IOException {
        List<ObjectId> tips = new ArrayList<>();
        for (String name : List.of(branchRef, Constants.HEAD)) {
            Ref ref = repo.exactRef(name);
            if (ref != null && ref.getObjectId() != null && !ref.getObjectId().equals(remoteHead)) {
                tips.add(ref.getObjectId());
            }
        }
        if (tips.isEmpty() || alsoKnown.containsAll(tips)) {
            return;
        }
        Set<ObjectId> known = new HashSet<>(List.of(remoteHead));
        known.addAll(alsoKnown);
        known.addAll(reflogIds(repo, trackingRef, null));
        known.addAll(reflogIds(repo, branchRef, "brain-trust"));
        if (tips.stream().allMatch(known::contains)) {
            return;
        }
        try (RevWalk walk = new RevWalk(repo)) {
            for (ObjectId tip : tips) {
                walk.markStart(walk.parseCommit(tip));
            }
            for (ObjectId id : known) {
                if (repo.getObjectDatabase().has(id)) {
                    walk.markUninteresting(walk.parseCommit(id));
                }
            }
            List<RevCommit> local = new ArrayList<>();
            for (RevCommit c; (c = walk.next()) != null && local.size() < 100; ) {
                local.add(c);
            }
            if (local.isEmpty()) {
                return;
            }
            RevCommit newest = local.get(0);
            throw new BrainTrustException.BadConfig("the home " + home + " has " + (local.size() == 100 ? "100 or more" : local.size())
                    + (local.size() == 1 ? " commit" : " commits") + " that " + remote.displayUrl() + " (branch " + remote.branch()
                    + ") does not have, the newest " + newest.abbreviate(10).name() + " \"" + newest.getShortMessage()
                    + "\"; a sync would discard " + (local.size() == 1 ? "it" : "them") + ", so nothing was changed. Push first: git -C "
                    + home + " push origin HEAD:" + remote.branch());
        }
    }

    private static Set<ObjectId> reflogIds(Repository repo, String ref, String messagePrefix) throws IOException {
        Set<ObjectId> ids = new HashSet<>();
        ReflogReader reflog = repo.getReflogReader(ref);
        if (reflog == null) {
            return ids;
        }
        for (ReflogEntry entry : reflog.getReverseEntries(REFLOG_ENTRIES)) {
            if (messagePrefix == null || entry.getComment().startsWith(messagePrefix)) {
                ids.add(entry.getNewId());
                if (messagePrefix == null) {
                    ids.add(entry.getOldId());
                }
            }
        }
        ids.remove(ObjectId.zeroId());
        return ids;
    }

    /**
     * Moves aside every file of the working tree that checking out {@code target} would overwrite
     * or delete and whose content is neither that of {@code base} (the commit the mirror put there)
     * nor that of {@code target}. {@code logs/} and {@code state/} are never looked at.
     *
     * @param base the tree of the commit the mirror checked out last, or null when there is none
     * @return what was moved and where, or null when nothing differed
     */
    static KeptAside keepAside(Repository repo, ObjectId base, ObjectId target, Path home, Instant now) throws IOException {
        List<String> edited = new ArrayList<>();
        try (ObjectReader reader = repo.newObjectReader(); TreeWalk walk = new TreeWalk(repo, reader)) {
            if (base != null) {
                walk.addTree(base);
            } else {
                walk.addTree(new EmptyTreeIterator());
            }
            walk.addTree(target);
            walk.addTree(new DirCacheIterator(repo.readDirCache()));
            walk.addTree(new FileTreeIterator(repo));
            walk.setRecursive(true);
            walk.setFilter(ServerFolders.EXCLUDED);
            while (walk.next()) {
                FileMode onDisk = walk.getFileMode(3);
                if (onDisk == FileMode.MISSING || onDisk == FileMode.TREE) {
                    continue;
                }
                boolean tracked = walk.getFileMode(0) != FileMode.MISSING || walk.getFileMode(1) != FileMode.MISSING
                        || walk.getFileMode(2) != FileMode.MISSING;
                if (!tracked) {
                    continue; // untracked, and the target does not have it: the checkout leaves it alone
                }
                FileTreeIterator file = walk.getTree(3, FileTreeIterator.class);
                DirCacheIterator index = walk.getTree(2, DirCacheIterator.class);
                if (index != null && walk.getFileMode(0) != FileMode.MISSING && walk.idEqual(0, 2)
                        && !file.isModified(index.getDirCacheEntry(), false, reader)) {
                    continue; // as the mirror left it (the index says so without reading the file)
                }
                ObjectId onDiskId = file.getEntryObjectId();
                if ((walk.getFileMode(0) != FileMode.MISSING && onDiskId.equals(walk.getObjectId(0)))
                        || (walk.getFileMode(1) != FileMode.MISSING && onDiskId.equals(walk.getObjectId(1)))) {
                    continue; // nothing of it would be lost
                }
                edited.add(walk.getPathString());
            }
        }
        if (edited.isEmpty()) {
            return null;
        }
        Path folder = asideFolder(home, now);
        for (String path : edited) {
            Path to = folder.resolve(path);
            Files.createDirectories(to.getParent());
            Files.move(home.resolve(path), to, StandardCopyOption.ATOMIC_MOVE);
        }
        return new KeptAside(now, home.relativize(folder).toString(), edited);
    }

    private static Path asideFolder(Path home, Instant now) throws IOException {
        Path root = home.resolve(ASIDE);
        String name = FOLDER.format(now);
        Path folder = root.resolve(name);
        for (int n = 2; Files.exists(folder); n++) {
            folder = root.resolve(name + "-" + n);
        }
        return Files.createDirectories(folder);
    }

}
