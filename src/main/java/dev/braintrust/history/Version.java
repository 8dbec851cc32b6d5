package dev.braintrust.history;

import java.time.Instant;
import java.util.List;

/**
 * One version of the home.
 *
 * @param id      the revision: in local mode the git tree of {@code context/ skills/ workflows/} as recorded
 *                (the same content is the same id), a commit id for commits of the home's own repository and in
 *                cloud mode
 * @param time    when it was recorded (local edits) or committed
 * @param source  {@link History#EDIT}, {@link History#RESTORE}, {@link History#COMMIT} or {@link History#SYNC}
 * @param author  who made it, where git knows (commits); null for local edits
 * @param message what it says, where there is one (commits, restores); null for plain edits
 * @param files   the files it changed against the version before it, with lines added and deleted
 * @param current true for the version the home is at now
 */
public record Version(String id, Instant time, String source, String author, String message, List<FileChange> files,
                      boolean current) {
    public Version {
        files = List.copyOf(files);
    }

    Version asCurrent(boolean now) {
        return now == current ? this : new Version(id, time, source, author, message, files, now);
    }

    /** True when the version changed {@code path}. */
    public boolean touches(String path) {
        return files.stream().anyMatch(f -> f.path().equals(path));
    }
}
