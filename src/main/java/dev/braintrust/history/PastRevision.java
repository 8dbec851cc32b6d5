package dev.braintrust.history;

import dev.braintrust.context.ContextSnapshot;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * A revision opened for a replay: its context snapshot, and the folder of its skills where the source of truth
 * keeps them (cloud mode: a checkout of the commit, kept until {@link #close()}); in local mode the skills are
 * today's. Close it when the replay has ended.
 */
public final class PastRevision implements AutoCloseable {
    private final ContextSnapshot context;
    private final Path skillsFolder;
    private final Runnable release;

    public PastRevision(ContextSnapshot context, Path skillsFolder, Runnable release) {
        this.context = Objects.requireNonNull(context);
        this.skillsFolder = skillsFolder;
        this.release = release == null ? () -> { } : release;
    }

    public String revision() {
        return context.revision();
    }

    public ContextSnapshot context() {
        return context;
    }

    /** The skills of the revision, or empty when the replay runs with today's skills. */
    public Optional<Path> skillsFolder() {
        return Optional.ofNullable(skillsFolder);
    }

    @Override
    public void close() {
        release.run();
    }
}
