package dev.braintrust.history;

import java.util.List;

/**
 * A page of versions, newest first.
 *
 * @param versions the versions of the page
 * @param limit    the page size asked for
 * @param offset   how many newer versions were skipped
 * @param more     true when older versions follow
 * @param goBack   how to return to an older version here: {@code restore} (local mode: files are written back)
 *                 or {@code pin} (cloud mode: the server serves an older commit until unpinned)
 */
public record HistoryPage(List<Version> versions, int limit, int offset, boolean more, String goBack) {
    public static final String RESTORE = "restore";
    public static final String PIN = "pin";

    public HistoryPage {
        versions = List.copyOf(versions);
    }
}
