package dev.braintrust.history;

import java.util.List;

/**
 * Every version of the home's {@code context/}, {@code skills/} and {@code workflows/}: the public face of
 * history, whichever the source of truth. Local mode records a version after every burst of edits in a
 * repository of its own ({@link LocalHistory}); cloud mode shows the commits of the mirror. A version's id is
 * the revision a context snapshot of it carries, so the revision a run recorded can be looked up here.
 *
 * <p>Ids may be abbreviated (at least 4 hex digits) where they are unique. Every lookup of an id that is not
 * in the history, because it never was or because it was pruned, throws
 * {@link dev.braintrust.BrainTrustException.NotFound} saying which of the two it may be: never today's state
 * instead.
 */
public interface History {
    /** A version recorded after edits of the files (local mode). */
    String EDIT = "edit";
    /** A version written by a restore (local mode). */
    String RESTORE = "restore";
    /** A commit of the home's own git repository (local mode, a home that is also a clone). */
    String COMMIT = "commit";
    /** A commit of the repository the server mirrors (cloud mode). */
    String SYNC = "sync";

    /** The most versions one page lists. */
    int MAX_PAGE = 1000;

    /**
     * Versions, newest first.
     *
     * @param file   only versions that changed this file: a path such as {@code context/MISSION.md}, or a
     *               context file's name ({@code MISSION.md}, {@code MISSION}); null for every version
     * @param limit  at most this many (1 to {@value #MAX_PAGE})
     * @param offset skip this many of the newest
     */
    HistoryPage list(String file, int limit, int offset);

    /**
     * One version and its files.
     *
     * @throws dev.braintrust.BrainTrustException.NotFound when the id is not in the history
     */
    VersionFiles files(String id);

    /**
     * What changed between two versions, file by file, with a unified diff of each.
     *
     * @param from the older side; null means the version before {@code to}
     * @param to   the newer side; null (or {@code now}) means the home as it is now
     */
    VersionDiff diff(String from, String to);

    /**
     * A file of a version.
     *
     * @param path a path such as {@code context/MISSION.md}, or a context file's name
     * @throws dev.braintrust.BrainTrustException.NotFound when the version or the file is not there
     */
    byte[] read(String id, String path);

    /**
     * What a replay of a run needs of the revision it recorded: the context snapshot of that revision and, where
     * the source of truth keeps them (cloud mode), the skills of that revision. Close it when the replay ends.
     *
     * @throws dev.braintrust.BrainTrustException.NotFound when the revision is unknown or was pruned
     */
    PastRevision open(String revision);

    /**
     * Writes files of a version back into the home (local mode), each atomically; the text there before is
     * recorded as a version first, and the restore itself is a new version.
     *
     * @param files paths or context file names; empty for every file of the version (files added since are
     *              then deleted, so the home is the version again)
     * @throws dev.braintrust.BrainTrustException.Conflict in cloud mode, where the repository is the truth:
     *                                                     the message says how to pin the server instead
     */
    RestoreResult restore(String id, List<String> files);

    /** The revision of the home as it is now (the version a snapshot taken now would carry). */
    String now();

    /**
     * Records what changed since the newest version, if anything (local mode, for a process without the file
     * watcher, such as a command); does nothing where the history is the repository's.
     */
    default void catchUp() {
    }
}
