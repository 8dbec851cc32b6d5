package dev.braintrust.sync;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Repairs what a crash or a kill can leave in a mirror's {@code .git}: lock files of the index, of
 * refs and of the configuration, refs or a packed-refs file that were half written (by a tool that
 * does not write them atomically, or a full disk), and temporary pack files. Runs with the sync
 * lock held, so every lock file found is stale: no Brain Trust process is writing.
 *
 * <p>Everything it deletes can be had again from the remote, which is the source of truth: a
 * remote-tracking ref is fetched again, the branch is moved again, and an index is rebuilt by the
 * checkout that follows.
 */
final class MirrorRepair {
    private static final Logger log = LoggerFactory.getLogger(MirrorRepair.class);
    private static final Pattern OBJECT_ID = Pattern.compile("[0-9a-f]{40}(?:[0-9a-f]{24})?\\s*");
    private static final Pattern SYMBOLIC = Pattern.compile("ref: refs/[^\\s]+\\s*");
    private static final Pattern PACKED_LINE = Pattern.compile("#.*|\\^[0-9a-f]{40}(?:[0-9a-f]{24})?|[0-9a-f]{40}(?:[0-9a-f]{24})? refs/\\S+");

    private MirrorRepair() {
    }

    /** @return what was repaired, one line each (empty when the mirror was sound) */
    static List<String> repair(Path gitDir, String branchRef) throws IOException {
        List<String> repaired = new ArrayList<>();
        if (!Files.isDirectory(gitDir)) {
            return repaired;
        }
        try (DirectoryStream<Path> top = Files.newDirectoryStream(gitDir, "*.lock")) {
            for (Path lock : top) {
                Files.deleteIfExists(lock);
                repaired.add("removed the stale lock " + gitDir.relativize(lock));
            }
        }
        for (String tree : List.of("refs", "logs")) {
            for (Path lock : files(gitDir.resolve(tree), p -> p.getFileName().toString().endsWith(".lock"))) {
                Files.deleteIfExists(lock);
                repaired.add("removed the stale lock " + gitDir.relativize(lock));
            }
        }
        Path head = gitDir.resolve("HEAD");
        if (!isValidRef(head)) {
            Files.writeString(head, "ref: " + branchRef + "\n", StandardCharsets.UTF_8);
            repaired.add("rewrote a damaged HEAD");
        }
        for (Path ref : files(gitDir.resolve("refs"), p -> true)) {
            if (!isValidRef(ref)) {
                Files.deleteIfExists(ref);
                repaired.add("removed the damaged ref " + gitDir.relativize(ref) + " (it is fetched again)");
            }
        }
        Path packedRefs = gitDir.resolve("packed-refs");
        if (Files.exists(packedRefs) && !isValidPackedRefs(packedRefs)) {
            Files.deleteIfExists(packedRefs);
            repaired.add("removed a damaged packed-refs (its refs are fetched again)");
        }
        for (Path temp : files(gitDir.resolve("objects").resolve("pack"), p -> {
            String name = p.getFileName().toString();
            return name.startsWith("incoming_") || name.startsWith("tmp_") || name.endsWith(".tmp");
        })) {
            Files.deleteIfExists(temp);
            repaired.add("removed the unfinished pack " + gitDir.relativize(temp));
        }
        repaired.forEach(line -> log.info("mirror repair: {}", line));
        return repaired;
    }

    /** Deletes an index that cannot be read; the next checkout writes a new one. */
    static void dropIndex(Path gitDir) throws IOException {
        if (Files.deleteIfExists(gitDir.resolve("index"))) {
            log.info("mirror repair: removed an unreadable index; the checkout rebuilds it");
        }
    }

    private static boolean isValidRef(Path ref) throws IOException {
        if (!Files.isRegularFile(ref)) {
            return !Files.exists(ref);
        }
        String text = Files.readString(ref, StandardCharsets.ISO_8859_1);
        return OBJECT_ID.matcher(text).matches() || SYMBOLIC.matcher(text).matches();
    }

    private static boolean isValidPackedRefs(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.ISO_8859_1);
        if (!text.isEmpty() && !text.endsWith("\n")) {
            return false; // cut short
        }
        return text.lines().allMatch(line -> PACKED_LINE.matcher(line).matches());
    }

    private static List<Path> files(Path dir, java.util.function.Predicate<Path> which) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            return all.filter(Files::isRegularFile).filter(which).toList();
        } catch (NoSuchFileException e) {
            return List.of();
        }
    }
}
