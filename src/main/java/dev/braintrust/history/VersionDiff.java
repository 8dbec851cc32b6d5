package dev.braintrust.history;

import java.util.List;

/**
 * What changed from one version to another.
 *
 * @param from      the older side's id
 * @param to        the newer side's id ({@code now} when it is the home as it is now, with its revision in {@code toRevision})
 * @param toRevision the revision of the newer side
 * @param files     one entry per file that differs, in path order
 * @param truncated true when the diffs were cut to stay within {@link #MAX_TOTAL_CHARS}
 */
public record VersionDiff(String from, String to, String toRevision, List<FileDiff> files, boolean truncated) {
    /** The longest unified diff of one file that is sent; longer ones are cut and marked. */
    public static final int MAX_FILE_CHARS = 256 * 1024;
    /** The most diff text one answer holds, over all files. */
    public static final int MAX_TOTAL_CHARS = 2 * 1024 * 1024;

    public VersionDiff {
        files = List.copyOf(files);
    }

    /** True when both sides hold the same files. */
    public boolean unchanged() {
        return files.isEmpty();
    }

    /**
     * One file's change.
     *
     * @param diff      the unified diff ({@code ---}, {@code +++}, {@code @@} hunks), or a line saying the file is binary
     * @param truncated true when {@code diff} was cut at {@link #MAX_FILE_CHARS} (or the answer's total)
     */
    public record FileDiff(String path, String change, int additions, int deletions, boolean binary, String diff,
                           boolean truncated) {
    }
}
