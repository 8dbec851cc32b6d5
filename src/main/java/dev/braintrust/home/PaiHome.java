package dev.braintrust.home;

import dev.braintrust.BrainTrustException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The PAI_HOME folder and its layout (ARCHITECTURE.md §1):
 * {@code context/}, {@code skills/}, {@code workflows/}, {@code logs/}, {@code state/}.
 */
public final class PaiHome {
    public static final List<String> SYNCED_FOLDERS = List.of("context", "skills", "workflows");
    public static final List<String> LOCAL_FOLDERS = List.of("logs", "state");
    private static final String EXAMPLES = "/examples/";

    private final Path root;

    public PaiHome(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    public Path context() {
        return root.resolve("context");
    }

    public Path skills() {
        return root.resolve("skills");
    }

    public Path workflows() {
        return root.resolve("workflows");
    }

    public Path logs() {
        return root.resolve("logs");
    }

    public Path state() {
        return root.resolve("state");
    }

    /** True when the home exists and has a context folder. */
    public boolean isInitialized() {
        return Files.isDirectory(context());
    }

    /**
     * Fails with a message saying what to do when the home path exists but cannot be a home
     * (a regular file, or a folder we may not write).
     */
    public void checkUsable() {
        if (Files.exists(root, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(root)) {
            throw new BrainTrustException.BadConfig("PAI_HOME " + root
                    + " is a file, not a folder; move it away or set PAI_HOME to a folder");
        }
        for (String folder : concat(SYNCED_FOLDERS, LOCAL_FOLDERS)) {
            Path p = root.resolve(folder);
            if (Files.exists(p) && !Files.isDirectory(p)) {
                throw new BrainTrustException.BadConfig(p + " is a file but must be a folder; move it away and run 'brain-trust init'");
            }
        }
    }

    /** Creates the layout only (no examples): what a cloud-mode clone needs beside the repository. */
    public void createLocalFolders() {
        checkUsable();
        try {
            for (String folder : LOCAL_FOLDERS) {
                Files.createDirectories(root.resolve(folder));
            }
        } catch (IOException e) {
            throw new BrainTrustException.BadConfig("cannot create folders in " + root + ": " + e.getMessage(), e);
        }
    }

    /**
     * Creates the layout and copies the bundled examples into it. A file the user already has is
     * never overwritten.
     *
     * @return what was created, what was left alone, and where a folder stands where an example file goes
     */
    public InitReport init() {
        checkUsable();
        List<Path> created = new ArrayList<>();
        List<Path> kept = new ArrayList<>();
        List<Path> blocked = new ArrayList<>();
        try {
            for (String folder : concat(SYNCED_FOLDERS, LOCAL_FOLDERS)) {
                Path dir = root.resolve(folder);
                if (!Files.isDirectory(dir)) {
                    Files.createDirectories(dir);
                    created.add(dir);
                }
            }
            for (String example : exampleIndex()) {
                Path target = root.resolve(example);
                if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                    blocked.add(target);
                } else if (copyExample(example, target)) {
                    created.add(target);
                } else {
                    kept.add(target);
                }
            }
        } catch (IOException e) {
            throw new BrainTrustException.BadConfig("cannot initialise " + root + ": " + e.getMessage(), e);
        }
        return new InitReport(root, created, kept, blocked);
    }

    private static boolean copyExample(String example, Path target) throws IOException {
        try (InputStream in = open(example)) {
            Path temp = Files.createTempFile(target.getParent(), ".init-", ".tmp");
            try {
                Files.copy(in, temp, StandardCopyOption.REPLACE_EXISTING);
                if (example.startsWith("skills/")) {
                    Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwxr-xr-x"));
                }
                // A hard link fails if the target exists, so a user's file is never replaced, even in a race.
                Files.createLink(target, temp);
                return true;
            } catch (FileAlreadyExistsException e) {
                return false;
            } finally {
                Files.deleteIfExists(temp);
            }
        }
    }

    private static List<String> exampleIndex() throws IOException {
        try (InputStream in = open("index.txt")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        }
    }

    private static InputStream open(String name) {
        InputStream in = PaiHome.class.getResourceAsStream(EXAMPLES + name);
        return Objects.requireNonNull(in, () -> "bundled example missing from the jar: " + name);
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    @Override
    public String toString() {
        return root.toString();
    }
}
