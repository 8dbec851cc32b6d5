package dev.braintrust.sync;

import dev.braintrust.BrainTrustException;
import dev.braintrust.context.ContextAssembler;
import dev.braintrust.context.ContextLimits;
import dev.braintrust.context.ContextSnapshot;
import dev.braintrust.context.ContextSource;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.treewalk.TreeWalk;

import java.io.IOException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Cloud mode: the context is the {@code context/*.md} of the mirror's current commit, read from
 * git's objects (never from the working tree a sync is rewriting). The commit is read once per
 * load, so a snapshot holds every file of one commit and its revision is that commit's id. A blob's
 * size is read from its header before the blob is, so a file over the {@link ContextLimits} is
 * never loaded into memory.
 */
final class CommitContextSource implements ContextSource {
    private final GitMirror mirror;
    private final Clock clock;
    private final ContextLimits limits;

    CommitContextSource(GitMirror mirror, Clock clock, ContextLimits limits) {
        this.mirror = mirror;
        this.clock = clock;
        this.limits = limits;
    }

    @Override
    public ContextSnapshot load() {
        GitMirror.Checkout checkout = mirror.current();
        Repository repo = mirror.repository();
        if (checkout == null || repo == null) {
            throw new BrainTrustException.Unavailable(mirror.missingSnapshotReason());
        }
        ContextAssembler.Gathering gathering = new ContextAssembler.Gathering(limits);
        try (ObjectReader reader = repo.newObjectReader();
             TreeWalk folder = TreeWalk.forPath(reader, "context", checkout.tree())) {
            Map<String, Entry> entries = new LinkedHashMap<>();
            if (folder != null && folder.getFileMode(0) == FileMode.TREE) {
                try (TreeWalk files = new TreeWalk(reader)) {
                    files.addTree(folder.getObjectId(0));
                    files.setRecursive(false);
                    while (files.next()) {
                        String name = files.getNameString();
                        if (ContextAssembler.isContextFileName(name)) {
                            entries.put(name, new Entry(files.getFileMode(0), files.getObjectId(0)));
                        }
                    }
                }
            }
            for (String name : ContextAssembler.inLoadOrder(entries.keySet())) {
                Entry entry = entries.get(name);
                if (entry.mode() == FileMode.REGULAR_FILE || entry.mode() == FileMode.EXECUTABLE_FILE) {
                    if (gathering.admit(name, reader.getObjectSize(entry.id(), Constants.OBJ_BLOB))) {
                        gathering.add(name, reader.open(entry.id(), Constants.OBJ_BLOB).getCachedBytes(gathering.readLimit()));
                    }
                } else {
                    gathering.notAFile(name, entry.mode() == FileMode.TREE ? "a folder"
                            : entry.mode() == FileMode.SYMLINK ? "a symbolic link (links are not followed)" : "a submodule");
                }
            }
        } catch (IOException e) {
            throw new BrainTrustException.Unavailable("cannot read the context of commit " + checkout.commit().name()
                    + " in " + mirror.home() + ": " + e.getMessage(), e);
        }
        return gathering.snapshot(checkout.commit().name(), clock);
    }

    private record Entry(FileMode mode, ObjectId id) {
    }
}
