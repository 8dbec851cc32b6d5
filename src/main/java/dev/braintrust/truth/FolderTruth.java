package dev.braintrust.truth;

import dev.braintrust.BrainTrustException;
import dev.braintrust.Config;
import dev.braintrust.context.ContextSnapshot;
import dev.braintrust.context.ContextSource;
import dev.braintrust.context.FolderContextSource;
import dev.braintrust.history.History;
import dev.braintrust.history.LocalHistory;
import dev.braintrust.home.PaiHome;
import dev.braintrust.sync.FolderWatcher;
import dev.braintrust.sync.GitMirror;
import dev.braintrust.sync.SyncResult;
import dev.braintrust.sync.SyncService;
import dev.braintrust.sync.SyncStatus;
import dev.braintrust.sync.WebhookResponse;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Local mode: the home folder is the truth. Its context, skills and workflows are read from it, edits are welcome,
 * a watcher sees every change, and versions of it are recorded in a history of its own under {@code state/history}.
 */
final class FolderTruth implements SourceOfTruth {
    static final String NO_PIN = "pinning is for cloud mode, where a git repository is the source of truth; in local mode "
            + "restore a version instead: POST /api/v1/history/{id}/restore (brain-trust restore <id>)";

    private final PaiHome home;
    private final LocalHistory history;
    private final ContextSource context;
    private final SyncService.Webhook webhook;
    private final Runnable onChange;
    private FolderWatcher watcher;

    FolderTruth(Config config, PaiHome home, Clock clock, Runnable onChange) {
        this.home = home;
        this.onChange = onChange;
        // a snapshot's revision is the id of the home's version, so a run's revision can be looked up later
        this.history = LocalHistory.open(home, config.history(), config.contextLimits(), clock);
        this.context = history.contextSource(new FolderContextSource(home.context(), clock, config.contextLimits()));
        this.webhook = SyncService.webhookWithoutMirror(config.webhookSecret());
    }

    @Override
    public String mode() {
        return "local";
    }

    @Override
    public String describe() {
        return "the folder " + home.root();
    }

    @Override
    public ContextSource contextSource() {
        return context;
    }

    @Override
    public Supplier<Path> skillsFolder() {
        return home::skills;
    }

    @Override
    public Supplier<Path> workflowsFolder() {
        return home::workflows;
    }

    @Override
    public History history() {
        return history;
    }

    @Override
    public void keepRevisionsFrom(Supplier<Set<String>> revisions) {
        history.keepRevisionsFrom(revisions);
    }

    @Override
    public synchronized void watch() {
        if (watcher != null) {
            return;
        }
        try {
            watcher = new FolderWatcher(home.root(), PaiHome.SYNCED_FOLDERS, () -> {
                onChange.run();
                history.changed();
            });
            history.startMaintenance();
        } catch (IOException e) {
            throw new BrainTrustException.Unavailable("cannot watch " + home.root() + " for changes: " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<String> whyReadOnly(String path) {
        return Optional.empty();
    }

    @Override
    public WebhookResponse webhook(Map<String, String> headers, InputStream body) {
        return webhook.handle(headers, body);
    }

    @Override
    public WebhookResponse syncForApi(String by) {
        return WebhookResponse.localMode();
    }

    @Override
    public SyncResult syncNow(String by) {
        throw new BrainTrustException.Conflict("sync needs cloud mode: set BRAIN_TRUST_GIT_URL to the repository to follow; "
                + "in local mode the home folder itself is the source of truth");
    }

    @Override
    public GitMirror.PinState pin(String commit, String by) {
        throw new BrainTrustException.Conflict(NO_PIN);
    }

    @Override
    public SyncResult unpin(String by) {
        throw new BrainTrustException.Conflict(NO_PIN);
    }

    @Override
    public SyncStatus syncStatus() {
        return null;
    }

    @Override
    public Optional<SyncService> syncService() {
        return Optional.empty();
    }

    @Override
    public void addReadiness(ReadinessChecks checks) {
        // the folder is there or the context check says it is not
    }

    @Override
    public boolean startingUp() {
        return false;
    }

    @Override
    public ContextSnapshot whenNoSnapshot(BrainTrustException.Unavailable why) {
        throw why;
    }

    @Override
    public synchronized void close() {
        if (watcher != null) {
            watcher.close();
        }
        history.close();
    }
}
