package dev.braintrust.sync;

import dev.braintrust.BrainTrustException;
import dev.braintrust.context.ContextAssembler;
import dev.braintrust.context.ContextSnapshot;
import dev.braintrust.context.ContextSource;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.treewalk.TreeWalk;

import java.io.IOException;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/**
 * Cloud mode: the context is the {@code context/*.md} of the mirror's current commit, read from
 * git's objects (never from the working tree a sync is rewriting). The commit is read once per
 * load, so a snapshot holds every file of one commit and its revision is that commit's id.
 */
final class CommitContextSource implements ContextSource {
    private final GitMirror mirror;
    private final Clock clock;

    CommitContextSource(GitMirror mirror, Clock clock) {
        this.mirror = mirror;
        this.clock = clock;
    }

    @Override
    public ContextSnapshot load() {
        GitMirror.Checkout checkout = mirror.current();
        Repository repo = mirror.repository();
        if (checkout == null || repo == null) {
            throw new BrainTrustException.Unavailable(mirror.missingSnapshotReason());
        }
        Map<String, byte[]> raw = new HashMap<>();
        Map<String, String> unreadable = new HashMap<>();
        try (ObjectReader reader = repo.newObjectReader();
             TreeWalk folder = TreeWalk.forPath(reader, "context", checkout.tree())) {
            if (folder != null && folder.getFileMode(0) == FileMode.TREE) {
                try (TreeWalk files = new TreeWalk(reader)) {
                    files.addTree(folder.getObjectId(0));
                    files.setRecursive(false);
                    while (files.next()) {
                        String name = files.getNameString();
                        FileMode mode = files.getFileMode(0);
                        if (!ContextAssembler.isContextFileName(name) || mode == FileMode.TREE) {
                            continue;
                        }
                        if (mode == FileMode.REGULAR_FILE || mode == FileMode.EXECUTABLE_FILE) {
                            raw.put(name, reader.open(files.getObjectId(0), Constants.OBJ_BLOB).getCachedBytes(Integer.MAX_VALUE));
                        } else {
                            unreadable.put(name, mode == FileMode.SYMLINK ? "a symbolic link, which is not followed" : "not a file");
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new BrainTrustException.Unavailable("cannot read the context of commit " + checkout.commit().name()
                    + " in " + mirror.home() + ": " + e.getMessage(), e);
        }
        return ContextAssembler.assemble(checkout.commit().name(), raw, unreadable, clock);
    }
}
