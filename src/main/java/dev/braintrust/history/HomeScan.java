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
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

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

    private HomeScan() {
    }

    static Result scan(Path home, ObjectInserter inserter) throws IOException {
        DirCache index = DirCache.newInCore();
        DirCacheBuilder builder = index.builder();
        Map<String, String> sha = new HashMap<>();
        List<String> skipped = new ArrayList<>();
        for (String folder : PaiHome.SYNCED_FOLDERS) {
            Path root = home.resolve(folder);
            if (Files.isDirectory(root)) {
                Files.walkFileTree(root, java.util.EnumSet.noneOf(java.nio.file.FileVisitOption.class), MAX_DEPTH,
                        new Visitor(root, folder, inserter, builder, sha, skipped));
            }
        }
        builder.finish();
        ObjectId tree = index.writeTree(inserter);
        inserter.flush();
        return new Result(tree, sha, skipped);
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

        Visitor(Path root, String folder, ObjectInserter inserter, DirCacheBuilder builder, Map<String, String> sha,
                List<String> skipped) {
            this.root = root;
            this.folder = folder;
            this.inserter = inserter;
            this.builder = builder;
            this.sha = sha;
            this.skipped = skipped;
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
            DirCacheEntry entry;
            try {
                entry = new DirCacheEntry(path);
            } catch (IllegalArgumentException e) {
                skipped.add(path + " (a name git cannot hold)");
                return FileVisitResult.CONTINUE;
            }
            entry.setFileMode(Files.isExecutable(file) ? FileMode.EXECUTABLE_FILE : FileMode.REGULAR_FILE);
            entry.setLength(bytes.length);
            entry.setObjectId(inserter.insert(Constants.OBJ_BLOB, bytes));
            builder.add(entry);
            if (folder.equals("context") && file.getParent().equals(root) && ContextAssembler.isContextFileName(name)) {
                sha.put(name, sha256(bytes));
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
