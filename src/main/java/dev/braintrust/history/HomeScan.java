package dev.braintrust.history;

import dev.braintrust.context.ContextAssembler;
import dev.braintrust.home.PaiHome;
import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.dircache.DirCacheBuilder;
import org.eclipse.jgit.dircache.DirCacheEntry;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * One moment of a home as git objects: every regular file under {@code context/}, {@code skills/} and
 * {@code workflows/} becomes a blob (executable ones keep their bit), and the folders a tree. The tree's id is
 * the version's id, so the same content always has the same id, whoever reads it and when.
 *
 * <p>Left out, and said so in {@link Result#skipped()}: hidden files and folders (editors' swap and backup
 * files among them), names ending in {@code ~}, symbolic links (they could point anywhere), and files over
 * {@link #MAX_FILE_BYTES}. Objects that exist already are not written again (the inserter checks).
 */
final class HomeScan {
    /** Files larger than this are not kept in history (context is text; a huge file would fill the disk). */
    static final long MAX_FILE_BYTES = 8L * 1024 * 1024;
    /** Nested folders deeper than this are not followed. */
    private static final int MAX_DEPTH = 16;

    /**
     * @param tree          the tree of the three folders
     * @param contextSha256 for each {@code context/<name>.md} at the top of {@code context/}, the hex SHA-256 of its bytes
     * @param skipped       files left out, with why
     */
    record Result(ObjectId tree, Map<String, String> contextSha256, List<String> skipped) {
    }

    /**
     * What the last scan learnt of each file, so a file whose size, modification time and inode are unchanged is
     * not read and hashed again (JGit's SHA-1, with collision detection, is most of a scan's cost), as git's index
     * does. A file modified less than its file system's timestamp granularity before the scan that saw it is
     * read again next time: a second write within that granularity could otherwise go unseen (see {@link #racyNanos}).
     */
    static final class StatCache {
        private volatile Map<String, Known> known = Map.of();

        record Known(long size, long modifiedNanos, Object fileKey, ObjectId blob, String sha256, long seenAtNanos) {
        }
    }

    /**
     * How long after its modification a file's time stays ambiguous. A time with a sub-second part proves a file
     * system of fine timestamps (ext4, xfs, tmpfs, APFS: a coarse kernel clock of a few milliseconds); a time of a
     * whole second may come from one of one- or two-second granularity (HFS+, ext3, FAT), so it gets 3 s.
     */
    static long racyNanos(long modifiedNanos) {
        return modifiedNanos % 1_000_000_000L == 0 ? TimeUnit.SECONDS.toNanos(3) : TimeUnit.MILLISECONDS.toNanos(50);
    }

    private HomeScan() {
    }

    /**
     * @param exists whether an object is in the repository the inserter writes to (a remembered blob that is not,
     *               after a packing, is written again)
     */
    static Result scan(Path home, ObjectInserter inserter, StatCache cache, Predicate<ObjectId> exists)
            throws IOException {
        DirCache index = DirCache.newInCore();
        DirCacheBuilder builder = index.builder();
        Map<String, String> sha = new HashMap<>();
        List<String> skipped = new ArrayList<>();
        Map<String, StatCache.Known> seen = new HashMap<>();
        Instant start = Instant.now();
        long startNanos = start.getEpochSecond() * 1_000_000_000L + start.getNano();
        for (String folder : PaiHome.SYNCED_FOLDERS) {
            Path root = home.resolve(folder);
            if (Files.isDirectory(root)) {
                Files.walkFileTree(root, EnumSet.noneOf(FileVisitOption.class), MAX_DEPTH,
                        new Visitor(root, folder, inserter, builder, sha, skipped, cache.known, seen, exists, startNanos));
            }
        }
        builder.finish();
        ObjectId tree = index.writeTree(inserter);
        inserter.flush();
        cache.known = Map.copyOf(seen);
        return new Result(tree, sha, skipped);
    }

    static Result scan(Path home, ObjectInserter inserter) throws IOException {
        return scan(home, inserter, new StatCache(), id -> true);
    }

    static boolean ignored(String name) {
        return name.startsWith(".") || name.endsWith("~");
    }

    private static final class Visitor extends SimpleFileVisitor<Path> {
        private final Path root;
        private final String folder;
        private final ObjectInserter inserter;
        private final DirCacheBuilder builder;
        private final Map<String, String> sha;
        private final List<String> skipped;
        private final Map<String, StatCache.Known> known;
        private final Map<String, StatCache.Known> seen;
        private final Predicate<ObjectId> exists;
        private final long startNanos;

        Visitor(Path root, String folder, ObjectInserter inserter, DirCacheBuilder builder, Map<String, String> sha,
                List<String> skipped, Map<String, StatCache.Known> known, Map<String, StatCache.Known> seen,
                Predicate<ObjectId> exists, long startNanos) {
            this.root = root;
            this.folder = folder;
            this.inserter = inserter;
            this.builder = builder;
            this.sha = sha;
            this.skipped = skipped;
            this.known = known;
            this.seen = seen;
            this.exists = exists;
            this.startNanos = startNanos;
        }

        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
            return dir.equals(root) || !ignored(dir.getFileName().toString()) ? FileVisitResult.CONTINUE : FileVisitResult.SKIP_SUBTREE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
            String name = file.getFileName().toString();
            String path = folder + "/" + root.relativize(file).toString().replace('\\', '/');
            if (ignored(name)) {
                return FileVisitResult.CONTINUE;
            }
            if (attrs.isSymbolicLink()) {
                skipped.add(path + " (a symbolic link, not followed)");
                return FileVisitResult.CONTINUE;
            }
            if (!attrs.isRegularFile()) {
                skipped.add(path + " (not a regular file)");
                return FileVisitResult.CONTINUE;
            }
            if (attrs.size() > MAX_FILE_BYTES) {
                skipped.add(path + " (" + attrs.size() / (1024 * 1024) + " MiB, over the " + MAX_FILE_BYTES / (1024 * 1024)
                        + " MiB history keeps)");
                return FileVisitResult.CONTINUE;
            }
            if (!Trees.safe(path)) {
                skipped.add(path + " (a name git cannot hold)");
                return FileVisitResult.CONTINUE;
            }
            boolean contextFile = folder.equals("context") && file.getParent().equals(root) && ContextAssembler.isContextFileName(name);
            long modified = attrs.lastModifiedTime().to(TimeUnit.NANOSECONDS);
            StatCache.Known before = known.get(path);
            ObjectId blob;
            String hash;
            long size;
            if (before != null && before.size() == attrs.size() && before.modifiedNanos() == modified
                    && Objects.equals(before.fileKey(), attrs.fileKey())
                    && before.seenAtNanos() - modified > racyNanos(modified) && (!contextFile || before.sha256() != null)
                    && exists.test(before.blob())) {
                blob = before.blob();
                hash = before.sha256();
                size = before.size();
                seen.put(path, before);
            } else {
                byte[] bytes;
                try {
                    bytes = Files.readAllBytes(file);
                } catch (NoSuchFileException e) {
                    return FileVisitResult.CONTINUE; // deleted meanwhile: not part of this moment
                } catch (AccessDeniedException e) {
                    skipped.add(path + " (cannot be read)");
                    return FileVisitResult.CONTINUE;
                }
                if (bytes.length > MAX_FILE_BYTES) {
                    skipped.add(path + " (over the " + MAX_FILE_BYTES / (1024 * 1024) + " MiB history keeps)");
                    return FileVisitResult.CONTINUE;
                }
                blob = inserter.insert(Constants.OBJ_BLOB, bytes);
                hash = contextFile ? sha256(bytes) : null;
                size = bytes.length;
                // The size and time of what was read: a write between the stat and the read leaves them stale, and
                // the file is then read again by the next scan (its time is recent, or its size differs).
                seen.put(path, new StatCache.Known(attrs.size() == bytes.length ? size : -1, modified, attrs.fileKey(),
                        blob, hash, startNanos));
            }
            DirCacheEntry entry;
            try {
                entry = new DirCacheEntry(path);
            } catch (IllegalArgumentException e) {
                skipped.add(path + " (a name git cannot hold)");
                return FileVisitResult.CONTINUE;
            }
            boolean executable = attrs instanceof PosixFileAttributes posix
                    ? posix.permissions().contains(PosixFilePermission.OWNER_EXECUTE)
                    : Files.isExecutable(file);
            entry.setFileMode(executable ? FileMode.EXECUTABLE_FILE : FileMode.REGULAR_FILE);
            entry.setLength(size);
            entry.setObjectId(blob);
            builder.add(entry);
            if (contextFile) {
                sha.put(name, hash);
            }
            return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) {
            if (!(e instanceof NoSuchFileException)) {
                skipped.add(folder + "/" + root.relativize(file).toString().replace('\\', '/') + " (cannot be read: "
                        + e.getClass().getSimpleName() + ")");
            }
            return FileVisitResult.CONTINUE;
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
