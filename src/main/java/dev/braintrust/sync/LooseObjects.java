package dev.braintrust.sync;

import org.eclipse.jgit.lib.AnyObjectId;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Loose objects of a repository on this machine, taken into the mirror as hard links to the remote's own files,
 * as {@code git clone --local} takes them: one link instead of a temporary file written, compressed and renamed
 * (about half of a small push's time before its answer on this machine's disk). Loose object files are never
 * changed in place (git writes a new file and renames it), and each is checked against its id before it is linked.
 */
final class LooseObjects {
    /** Larger loose objects are copied as before: the check reads the whole file. */
    private static final long MAX_LINKED_BYTES = 1 << 20;

    private LooseObjects() {
    }

    /**
     * Links {@code id}'s loose file of {@code from} into {@code into}'s objects.
     *
     * @return false, having changed nothing, when {@code from} has no such loose file (or a symbolic link), the file does not hold
     *         that object, or the link cannot be made (another file system, another owner's file): copy it then
     */
    static boolean link(Repository from, Repository into, AnyObjectId id) {
        Path source = fileFor(from, id);
        Path target = fileFor(into, id);
        try {
            BasicFileAttributes file = Files.readAttributes(source, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!file.isRegularFile() || file.size() > MAX_LINKED_BYTES || !holds(source, id)) {
                return false;
            }
            try {
                Files.createLink(target, source);
            } catch (NoSuchFileException e) {
                Files.createDirectories(target.getParent());
                Files.createLink(target, source);
            }
            return true;
        } catch (FileAlreadyExistsException e) {
            return true; // the mirror has it already
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }

    private static Path fileFor(Repository repo, AnyObjectId id) {
        String name = id.name();
        return repo.getDirectory().toPath().resolve("objects").resolve(name.substring(0, 2)).resolve(name.substring(2));
    }

    /** True when the file inflates to a loose object whose id (the SHA-1 of its header and content) is {@code id}. */
    private static boolean holds(Path file, AnyObjectId id) throws IOException {
        byte[] compressed = Files.readAllBytes(file);
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(compressed);
            MessageDigest sha1 = Constants.newMessageDigest();
            byte[] buffer = new byte[8192];
            while (!inflater.finished()) {
                int n = inflater.inflate(buffer);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    return false; // truncated or not a loose object
                }
                sha1.update(buffer, 0, n);
            }
            return inflater.getRemaining() == 0 && ObjectId.fromRaw(sha1.digest()).equals(id);
        } catch (DataFormatException e) {
            return false;
        } finally {
            inflater.end();
        }
    }
}
