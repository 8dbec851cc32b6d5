package dev.braintrust.history;

import dev.braintrust.BrainTrustException;
import dev.braintrust.context.ContextAssembler;
import dev.braintrust.context.ContextLimits;
import dev.braintrust.context.ContextSnapshot;
import dev.braintrust.home.PaiHome;
import org.eclipse.jgit.diff.DiffEntry;
import org.eclipse.jgit.diff.DiffFormatter;
import org.eclipse.jgit.diff.Edit;
import org.eclipse.jgit.diff.RawTextComparator;
import org.eclipse.jgit.lib.AnyObjectId;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectLoader;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.patch.FileHeader;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.treewalk.filter.PathFilterGroup;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Reading versions out of git trees: their files, what changed between two, a file's bytes, a context snapshot. */
final class Trees {
    /** Files larger than this are compared as binary (no line diff). */
    static final int BINARY_THRESHOLD = 8 * 1024 * 1024;

    private Trees() {
    }

    /**
     * The file a user names: {@code context/MISSION.md} as it is, {@code MISSION.md} or {@code MISSION} as a
     * context file. Refuses what could leave the three folders.
     */
    static String path(String requested) {
        if (requested == null || requested.isBlank()) {
            throw new BrainTrustException.BadInput("name a file, such as context/MISSION.md or MISSION.md");
        }
        String given = requested.strip().replace('\\', '/');
        while (given.startsWith("./")) {
            given = given.substring(2);
        }
        String path = given.indexOf('/') >= 0 ? given : "context/" + (given.endsWith(".md") ? given : given + ".md");
        if (!safe(path) || PaiHome.SYNCED_FOLDERS.stream().noneMatch(f -> path.startsWith(f + "/"))) {
            throw new BrainTrustException.BadInput("'" + requested.replace("\0", "\\0") + "' is not a file of the home: use a path "
                    + "under context/, skills/ or workflows/, such as context/MISSION.md");
        }
        return path;
    }

    /** Every segment a plain name: no {@code ..}, no {@code .git}, no NUL, backslash or drive letter. */
    static boolean safe(String path) {
        for (String segment : path.split("/", -1)) {
            String lower = segment.toLowerCase(Locale.ROOT);
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..") || lower.equals(".git")
                    || segment.indexOf('\\') >= 0 || segment.indexOf(':') >= 0 || segment.indexOf('\0') >= 0) {
                return false;
            }
        }
        return true;
    }

    /** The files of a tree under the three folders, in path order. */
    static List<VersionFiles.Entry> files(Repository repo, AnyObjectId tree) throws IOException {
        List<VersionFiles.Entry> files = new ArrayList<>();
        try (ObjectReader reader = repo.newObjectReader(); TreeWalk walk = new TreeWalk(reader)) {
            walk.addTree(tree);
            walk.setRecursive(true);
            walk.setFilter(PathFilterGroup.createFromStrings(PaiHome.SYNCED_FOLDERS));
            while (walk.next()) {
                FileMode mode = walk.getFileMode(0);
                if (mode == FileMode.REGULAR_FILE || mode == FileMode.EXECUTABLE_FILE) {
                    files.add(new VersionFiles.Entry(walk.getPathString(), reader.getObjectSize(walk.getObjectId(0),
                            Constants.OBJ_BLOB), mode == FileMode.EXECUTABLE_FILE));
                }
            }
        }
        return files;
    }

    /** The blob of {@code path} in the tree and its mode, or null when the tree has no such file. */
    static Blob find(Repository repo, AnyObjectId tree, String path) throws IOException {
        try (ObjectReader reader = repo.newObjectReader(); TreeWalk walk = TreeWalk.forPath(reader, path, tree)) {
            if (walk == null) {
                return null;
            }
            FileMode mode = walk.getFileMode(0);
            if (mode != FileMode.REGULAR_FILE && mode != FileMode.EXECUTABLE_FILE) {
                return null;
            }
            return new Blob(walk.getObjectId(0).copy(), mode == FileMode.EXECUTABLE_FILE);
        }
    }

    record Blob(ObjectId id, boolean executable) {
    }

    static byte[] bytes(Repository repo, ObjectId blob) throws IOException {
        ObjectLoader loader = repo.open(blob, Constants.OBJ_BLOB);
        return loader.getCachedBytes(BINARY_THRESHOLD + 1);
    }

    /**
     * The context snapshot of a tree: its {@code context/*.md}, assembled as any snapshot is, under the same
     * {@link ContextLimits} (a blob's size is read from its header first, so one over the limits is never loaded).
     */
    static ContextSnapshot context(Repository repo, AnyObjectId tree, String revision, ContextLimits limits, Clock clock)
            throws IOException {
        ContextAssembler.Gathering gathering = new ContextAssembler.Gathering(limits);
        try (ObjectReader reader = repo.newObjectReader(); TreeWalk folder = TreeWalk.forPath(reader, "context", tree)) {
            Map<String, FileMode> modes = new HashMap<>();
            Map<String, ObjectId> ids = new HashMap<>();
            if (folder != null && folder.getFileMode(0) == FileMode.TREE) {
                try (TreeWalk files = new TreeWalk(reader)) {
                    files.addTree(folder.getObjectId(0));
                    files.setRecursive(false);
                    while (files.next()) {
                        String name = files.getNameString();
                        if (ContextAssembler.isContextFileName(name)) {
                            modes.put(name, files.getFileMode(0));
                            ids.put(name, files.getObjectId(0));
                        }
                    }
                }
            }
            for (String name : ContextAssembler.inLoadOrder(modes.keySet())) {
                FileMode mode = modes.get(name);
                if (mode == FileMode.REGULAR_FILE || mode == FileMode.EXECUTABLE_FILE) {
                    if (gathering.admit(name, reader.getObjectSize(ids.get(name), Constants.OBJ_BLOB))) {
                        gathering.add(name, reader.open(ids.get(name), Constants.OBJ_BLOB).getCachedBytes(gathering.readLimit()));
                    }
                } else {
                    gathering.notAFile(name, mode == FileMode.TREE ? "a folder"
                            : mode == FileMode.SYMLINK ? "a symbolic link (links are not followed)" : "a submodule");
                }
            }
        }
        return gathering.snapshot(revision, clock);
    }

    /** The files that differ between two trees (either may be null: empty), with lines added and deleted. */
    static List<FileChange> changes(Repository repo, AnyObjectId oldTree, AnyObjectId newTree) throws IOException {
        List<FileChange> changes = new ArrayList<>();
        try (DiffFormatter formatter = formatter(repo, java.io.OutputStream.nullOutputStream())) {
            for (DiffEntry entry : formatter.scan(oldTree, newTree)) {
                FileHeader header = formatter.toFileHeader(entry);
                changes.add(change(entry, header));
            }
        }
        return changes;
    }

    /** As {@link #changes}, each with its unified diff, cut to the limits of {@link VersionDiff}. */
    static Diffs diffs(Repository repo, AnyObjectId oldTree, AnyObjectId newTree) throws IOException {
        List<VersionDiff.FileDiff> files = new ArrayList<>();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int total = 0;
        boolean truncatedAny = false;
        try (DiffFormatter formatter = formatter(repo, out)) {
            for (DiffEntry entry : formatter.scan(oldTree, newTree)) {
                FileHeader header = formatter.toFileHeader(entry);
                FileChange change = change(entry, header);
                String text;
                boolean truncated = false;
                if (total >= VersionDiff.MAX_TOTAL_CHARS) {
                    text = "";
                    truncated = true;
                } else {
                    out.reset();
                    formatter.format(entry);
                    formatter.flush();
                    text = out.toString(StandardCharsets.UTF_8);
                    int room = Math.min(VersionDiff.MAX_FILE_CHARS, VersionDiff.MAX_TOTAL_CHARS - total);
                    if (text.length() > room) {
                        text = text.substring(0, room);
                        truncated = true;
                    }
                    total += text.length();
                }
                truncatedAny |= truncated;
                files.add(new VersionDiff.FileDiff(change.path(), change.change(), change.additions(), change.deletions(),
                        change.binary(), text, truncated));
            }
        }
        return new Diffs(files, truncatedAny);
    }

    record Diffs(List<VersionDiff.FileDiff> files, boolean truncated) {
    }

    private static DiffFormatter formatter(Repository repo, java.io.OutputStream out) {
        DiffFormatter formatter = new DiffFormatter(out);
        formatter.setRepository(repo);
        formatter.setDiffComparator(RawTextComparator.DEFAULT);
        formatter.setDetectRenames(false);
        formatter.setBinaryFileThreshold(BINARY_THRESHOLD);
        formatter.setPathFilter(PathFilterGroup.createFromStrings(PaiHome.SYNCED_FOLDERS));
        return formatter;
    }

    private static FileChange change(DiffEntry entry, FileHeader header) {
        String kind = switch (entry.getChangeType()) {
            case ADD -> FileChange.ADDED;
            case DELETE -> FileChange.DELETED;
            default -> FileChange.MODIFIED;
        };
        String path = entry.getChangeType() == DiffEntry.ChangeType.DELETE ? entry.getOldPath() : entry.getNewPath();
        boolean binary = header.getPatchType() != FileHeader.PatchType.UNIFIED;
        int added = 0;
        int deleted = 0;
        if (!binary) {
            for (Edit edit : header.toEditList()) {
                added += edit.getLengthB();
                deleted += edit.getLengthA();
            }
        }
        return new FileChange(path, kind, added, deleted, binary);
    }
}
