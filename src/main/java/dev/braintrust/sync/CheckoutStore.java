package dev.braintrust.sync;

import dev.braintrust.BrainTrustException;
import dev.braintrust.home.PaiHome;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.treewalk.filter.TreeFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Checkouts of whole commits under {@code state/sync/checkouts/<commit id>/}: every file of one
 * commit, exactly, but its top-level {@code logs/} and {@code state/} (which belong to the server).
 * Skills run from here, with the checkout as working directory, so a skill sees what it would see in
 * a local home ({@code notes/}, a README, data files), a sync that lands while it runs never changes
 * the files under it, and no run ever sees half of an update.
 *
 * <p>A checkout is written to a temporary folder and renamed into place: the rename is atomic,
 * so a checkout folder that exists is complete, and a crash leaves only a temporary folder that
 * the next sync deletes. Folders are named by commit id, so the same commit is never written twice.
 */
final class CheckoutStore {
    private static final Logger log = LoggerFactory.getLogger(CheckoutStore.class);
    private static final String TEMP_PREFIX = ".tmp-";
    /** Read-only: a checkout is one commit, exactly; a skill that tries to change it fails instead of diverging. */
    private static final Set<PosixFilePermission> EXECUTABLE = PosixFilePermissions.fromString("r-xr-xr-x");
    private static final Set<PosixFilePermission> REGULAR = PosixFilePermissions.fromString("r--r--r--");

    private final Path root;

    CheckoutStore(Path root) {
        this.root = root;
    }

    Path root() {
        return root;
    }

    Path folderOf(ObjectId commit) {
        return root.resolve(commit.name());
    }

    boolean has(ObjectId commit) {
        return Files.isDirectory(folderOf(commit));
    }

    /** The checkout of {@code commit}, written now when it does not exist yet. */
    Path materialise(Repository repo, RevCommit commit) {
        return materialise(repo, commit, null);
    }

    /**
     * The checkout of {@code commit}, written now when it does not exist yet. Files that {@code previous}
     * (a checkout still on disk, or null) holds with the same content and mode are hard links to its
     * files instead of copies (checkouts are read-only, so they can share them): a push that changes
     * one file of a large repository writes one file.
     */
    Path materialise(Repository repo, RevCommit commit, GitMirror.Checkout previous) {
        Path target = folderOf(commit);
        if (Files.isDirectory(target)) {
            return target;
        }
        Path temp = root.resolve(TEMP_PREFIX + commit.name() + "-" + UUID.randomUUID().toString().substring(0, 8));
        try {
            Files.createDirectories(temp);
            for (String folder : PaiHome.SYNCED_FOLDERS) {
                Files.createDirectories(temp.resolve(folder));
            }
            write(repo, commit, previous != null && Files.isDirectory(previous.folder()) ? previous : null, temp);
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
                deleteTree(temp); // another process wrote the same commit first: same content
            }
            return target;
        } catch (IOException e) {
            deleteQuietly(temp);
            throw new BrainTrustException.Unavailable("cannot write the checkout of " + commit.name() + " under "
                    + root + ": " + e.getMessage(), e);
        }
    }


    private static void write(Repository repo, RevCommit commit, GitMirror.Checkout previous, Path into) throws IOException {
        try (ObjectReader reader = repo.newObjectReader(); TreeWalk walk = new TreeWalk(reader)) {
            walk.addTree(commit.getTree());
            boolean linkable = previous != null && reader.has(previous.tree());
            if (linkable) {
                walk.addTree(previous.tree());
            }
            walk.setRecursive(true);
            walk.setFilter(ServerFolders.EXCLUDED);
            while (walk.next()) {
                String path = walk.getPathString();
                FileMode mode = walk.getFileMode(0);
                if (mode == FileMode.MISSING) {
                    continue; // only in the previous commit
                }
                if (!isSafe(path)) {
                    log.warn("skipping {} of commit {}: not a safe path", path, commit.name());
                    continue;
                }
                boolean executable = mode == FileMode.EXECUTABLE_FILE;
                if (!executable && mode != FileMode.REGULAR_FILE) {
                    continue; // symbolic links and submodules are not checked out: they could point anywhere
                }
                Path file = into.resolve(path);
                Files.createDirectories(file.getParent());
                if (linkable && walk.getFileMode(1) == mode && walk.idEqual(0, 1) && link(file, previous.folder().resolve(path))) {
                    continue;
                }
                try (OutputStream out = Files.newOutputStream(file)) {
                    reader.open(walk.getObjectId(0), Constants.OBJ_BLOB).copyTo(out);
                }
                Files.setPosixFilePermissions(file, executable ? EXECUTABLE : REGULAR);
            }
        }
    }

    /** A hard link to the same file of the previous checkout; false when there is none (deleted by hand) or links fail. */
    private static boolean link(Path file, Path existing) {
        try {
            Files.createLink(file, existing);
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** Every segment a plain name: no {@code ..}, no {@code .git}, no backslash or drive letters. */
    static boolean isSafe(String path) {
        for (String segment : path.split("/", -1)) {
            String lower = segment.toLowerCase(Locale.ROOT);
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..") || lower.equals(".git")
                    || segment.indexOf('\\') >= 0 || segment.indexOf(':') >= 0 || segment.indexOf('\0') >= 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Deletes every checkout but those of {@code keep}, and temporary folders a crash left behind.
     * The caller holds the sync lock, so no other process is writing a temporary folder. Failing
     * to delete is only logged: a leftover folder costs disk, not correctness.
     */
    void prune(Set<ObjectId> keep) {
        Set<String> kept = keep.stream().filter(java.util.Objects::nonNull).map(ObjectId::name)
                .collect(java.util.stream.Collectors.toSet());
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(root)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (name.startsWith(TEMP_PREFIX) || (ObjectId.isId(name) && !kept.contains(name))) {
                    deleteQuietly(entry);
                }
            }
        } catch (NoSuchFileException e) {
            // nothing checked out yet
        } catch (IOException e) {
            log.warn("cannot list {} to remove old checkouts: {}", root, e.getMessage());
        }
    }

    /** Deletes the temporary folders a crash left behind; the caller holds the sync lock. */
    void removeTemporaryFolders() {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(root, TEMP_PREFIX + "*")) {
            for (Path entry : entries) {
                log.info("mirror repair: removed the unfinished checkout {}", entry.getFileName());
                deleteQuietly(entry);
            }
        } catch (NoSuchFileException e) {
            // nothing checked out yet
        } catch (IOException e) {
            log.warn("cannot list {}: {}", root, e.getMessage());
        }
    }

    private static void deleteQuietly(Path dir) {
        try {
            deleteTree(dir);
        } catch (IOException e) {
            log.warn("cannot delete {}: {}", dir, e.getMessage());
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
