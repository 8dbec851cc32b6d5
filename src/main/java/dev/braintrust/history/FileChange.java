package dev.braintrust.history;

/**
 * A file a version changed.
 *
 * @param path      e.g. {@code context/MISSION.md}
 * @param change    added, modified or deleted
 * @param additions lines added (0 for a binary file)
 * @param deletions lines deleted (0 for a binary file)
 * @param binary    true when the file is not text, so no lines are counted
 */
public record FileChange(String path, String change, int additions, int deletions, boolean binary) {
    public static final String ADDED = "added";
    public static final String MODIFIED = "modified";
    public static final String DELETED = "deleted";
}
