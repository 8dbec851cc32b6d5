package dev.braintrust.context;

import dev.braintrust.BrainTrustException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Local mode: the {@code context/} folder is the source of truth; the revision is a content hash.
 * Only regular files are read (a named pipe would block the read forever), and only after their
 * size is known to fit the {@link ContextLimits}.
 */
public final class FolderContextSource implements ContextSource {
    private final Path folder;
    private final Clock clock;
    private final ContextLimits limits;

    public FolderContextSource(Path folder, Clock clock) {
        this(folder, clock, ContextLimits.DEFAULT);
    }

    public FolderContextSource(Path folder, Clock clock, ContextLimits limits) {
        this.folder = folder;
        this.clock = clock;
        this.limits = limits;
    }

    @Override
    public ContextSnapshot load() {
        Map<String, Path> entries = new HashMap<>();
        List<String> subfolders = new ArrayList<>();
        try (DirectoryStream<Path> listing = Files.newDirectoryStream(folder)) {
            for (Path entry : listing) {
                String name = entry.getFileName().toString();
                if (ContextAssembler.isContextFileName(name)) {
                    entries.put(name, entry);
                } else if (!name.startsWith(".") && Files.isDirectory(entry)) {
                    subfolders.add(name);
                }
            }
        } catch (NoSuchFileException e) {
            throw new BrainTrustException.NotFound("the context folder " + folder + " does not exist; run 'brain-trust init'");
        } catch (IOException e) {
            throw new BrainTrustException.Unavailable("cannot list " + folder + ": " + e.getMessage(), e);
        }
        ContextAssembler.Gathering gathering = new ContextAssembler.Gathering(limits);
        subfolders.stream().sorted().forEach(gathering::subfolder);
        for (String name : ContextAssembler.inLoadOrder(entries.keySet())) {
            Path entry = entries.get(name);
            try {
                BasicFileAttributes attributes = Files.readAttributes(entry, BasicFileAttributes.class); // follows links
                if (attributes.isDirectory()) {
                    gathering.notAFile(name, "a folder");
                } else if (!attributes.isRegularFile()) {
                    gathering.notAFile(name, "a named pipe, socket or device");
                } else if (gathering.admit(name, attributes.size())) {
                    gathering.add(name, readAtMost(entry, gathering.readLimit()));
                }
            } catch (NoSuchFileException e) {
                // deleted between listing and reading: it is simply not part of this snapshot
            } catch (IOException e) {
                gathering.unreadable(name, e.getClass().getSimpleName());
            }
        }
        return gathering.snapshot(null, clock);
    }

    private static byte[] readAtMost(Path file, int limit) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(limit);
        }
    }
}
