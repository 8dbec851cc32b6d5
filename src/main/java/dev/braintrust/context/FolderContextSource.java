package dev.braintrust.context;

import dev.braintrust.BrainTrustException;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Local mode: the {@code context/} folder is the source of truth; the revision is a content hash. */
public final class FolderContextSource implements ContextSource {
    private final Path folder;
    private final Clock clock;

    public FolderContextSource(Path folder, Clock clock) {
        this.folder = folder;
        this.clock = clock;
    }

    @Override
    public ContextSnapshot load() {
        Map<String, byte[]> raw = new HashMap<>();
        Map<String, String> unreadable = new HashMap<>();
        List<String> folders = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (Files.isDirectory(entry)) {
                    if (!name.startsWith(".")) {
                        folders.add(name);
                    }
                    continue;
                }
                if (!ContextAssembler.isContextFileName(name)) {
                    continue;
                }
                try {
                    raw.put(name, Files.readAllBytes(entry));
                } catch (NoSuchFileException e) {
                    // deleted between listing and reading: it is simply not part of this snapshot
                } catch (IOException e) {
                    unreadable.put(name, e.getClass().getSimpleName());
                }
            }
        } catch (NoSuchFileException e) {
            throw new BrainTrustException.NotFound("the context folder " + folder + " does not exist; run 'brain-trust init'");
        } catch (IOException e) {
            throw new BrainTrustException.Unavailable("cannot list " + folder + ": " + e.getMessage(), e);
        }
        return ContextAssembler.assemble(null, raw, unreadable, folders, clock);
    }
}
