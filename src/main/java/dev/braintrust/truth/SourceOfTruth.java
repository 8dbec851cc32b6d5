package dev.braintrust.truth;

import dev.braintrust.BrainTrustException;
import dev.braintrust.context.ContextSnapshot;
import dev.braintrust.context.ContextSource;
import dev.braintrust.history.History;
import dev.braintrust.sync.GitMirror;
import dev.braintrust.sync.PushRendering;
import dev.braintrust.sync.SyncResult;
import dev.braintrust.sync.SyncService;
import dev.braintrust.sync.SyncStatus;
import dev.braintrust.sync.WebhookResponse;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Where a home's context, skills and workflows come from, and everything that differs with it: the folder itself
 * (local mode, {@link FolderTruth}) or a git repository this server mirrors (cloud mode, {@link MirrorTruth}).
 * Chosen once, by {@link Sources#open}, in the composition root; no other class asks which one it is.
 */
public interface SourceOfTruth extends AutoCloseable {
    /** {@code local} or {@code cloud}, as status, the server record and the dashboard name it. */
    String mode();

    /** The source in words: the folder, or the repository (never with a credential) and its branch. */
    String describe();

    /** Where snapshots of the context are read (the context service caches them). */
    ContextSource contextSource();

    /** The folder the skills are read from now (a mirror's moves with each checkout). */
    Supplier<Path> skillsFolder();

    /** The folder the saved workflows are read from now. */
    Supplier<Path> workflowsFolder();

    /** Every version of the home; the revision a run recorded is a version id here. */
    History history();

    /** Where pruning learns which revisions stored runs used (the run database, once it is open). */
    void keepRevisionsFrom(Supplier<Set<String>> revisions);

    /**
     * Keeps up with the source, for a long-running process: local mode watches the folder (and records versions),
     * cloud mode syncs now and then periodically, or, for a client of a home a server owns, follows the commit the
     * server moves the home to. The change callback given to {@link Sources#open} runs after every change.
     */
    void watch();

    /**
     * Warms up, in the background, the path an update takes (cloud mode: a push's sync, its answers handed to
     * {@code rendering} as the server renders them, and beside them {@code overHttp}, the server's own requests of a
     * push), for the server to call once it listens; nothing where there is no such path.
     */
    default void warmUp(Runnable overHttp, PushRendering rendering) {
    }

    /**
     * Why a file of the home cannot be written through this server, or empty when it can.
     *
     * @param path the file, relative to the home (e.g. {@code workflows/brief.json})
     */
    Optional<String> whyReadOnly(String path);

    /** Serves a delivery of the repository's push webhook (in local mode it is checked, then answered 409). */
    WebhookResponse webhook(Map<String, String> headers, InputStream body);

    /** {@code POST /api/v1/sync}: syncs now, or says why there is nothing to sync. */
    WebhookResponse syncForApi(String by);

    /**
     * Syncs now.
     *
     * @throws BrainTrustException.Conflict when there is no repository to sync
     */
    SyncResult syncNow(String by);

    /**
     * Serves this commit and stops following the branch until {@link #unpin}.
     *
     * @throws BrainTrustException.Conflict when the folder is the source (restore a version instead)
     */
    GitMirror.PinState pin(String commit, String by);

    /**
     * Follows the branch again and syncs to its head.
     *
     * @throws BrainTrustException.Conflict when the folder is the source
     */
    SyncResult unpin(String by);

    /** The sync's state for status and the dashboard, or null when nothing syncs. */
    SyncStatus syncStatus();

    /** The sync service, for tools and tests that drive it; empty when nothing syncs. */
    Optional<SyncService> syncService();

    /** Adds this source's checks to the server's readiness ({@code /ready}). */
    void addReadiness(ReadinessChecks checks);

    /** True while the first copy of the source is being made (its own log says so: no warning is needed). */
    boolean startingUp();

    /**
     * What status shows when no snapshot can be read: a repository not cloned yet is an empty snapshot with the
     * reason as its warning; a folder that cannot be read is an error.
     */
    ContextSnapshot whenNoSnapshot(BrainTrustException.Unavailable why);

    @Override
    void close();
}
