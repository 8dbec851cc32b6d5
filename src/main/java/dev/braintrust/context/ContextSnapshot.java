package dev.braintrust.context;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * An immutable view of the context at one moment: every file of one revision, never a mix.
 *
 * @param revision a commit id (cloud mode) or a content hash (local mode)
 * @param loadedAt when the snapshot was read
 * @param files    the expected files first (MISSION, GOALS, BELIEFS, IDENTITY), then the others by name
 * @param missing  expected files that do not exist
 * @param warnings one line per problem found while loading (empty, unreadable, not UTF-8, too large)
 */
public record ContextSnapshot(String revision, Instant loadedAt, List<ContextFile> files,
                              List<String> missing, List<String> warnings) {
    public ContextSnapshot {
        files = List.copyOf(files);
        missing = List.copyOf(missing);
        warnings = List.copyOf(warnings);
    }

    /** The same snapshot under another revision (local mode: the id of the home's version, see the history). */
    public ContextSnapshot withRevision(String newRevision) {
        return new ContextSnapshot(newRevision, loadedAt, files, missing, warnings);
    }

    public Optional<ContextFile> file(String name) {
        return files.stream().filter(f -> f.name().equals(name)).findFirst();
    }

    /** The stripped content of a file, or "" when it is absent. */
    public String text(String name) {
        return file(name).map(ContextFile::content).orElse("");
    }
}
