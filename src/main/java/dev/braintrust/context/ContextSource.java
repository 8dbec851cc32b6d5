package dev.braintrust.context;

/**
 * Where context snapshots come from: the {@code context/} folder in local mode, the mirror's
 * current commit in cloud mode.
 */
@FunctionalInterface
public interface ContextSource {
    /**
     * Reads a complete snapshot. Problems with single files become warnings in the snapshot;
     * only a failure to read the source as a whole throws.
     */
    ContextSnapshot load();
}
