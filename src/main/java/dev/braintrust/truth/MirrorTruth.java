package dev.braintrust.truth;

import dev.braintrust.BrainTrustException;
import dev.braintrust.Config;
import dev.braintrust.context.ContextSnapshot;
import dev.braintrust.context.ContextSource;
import dev.braintrust.history.History;
import dev.braintrust.home.PaiHome;
import dev.braintrust.journal.Journal;
import dev.braintrust.sync.GitMirror;
import dev.braintrust.sync.GitRemote;
import dev.braintrust.sync.PushRendering;
import dev.braintrust.sync.SyncResult;
import dev.braintrust.sync.SyncService;
import dev.braintrust.sync.SyncStatus;
import dev.braintrust.sync.WebhookResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.InputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Cloud mode: a git repository is the truth and the home is its mirror. The context is read from the objects of
 * the commit served, skills and workflows from its checkout; syncs (periodic, on a push's webhook, on request)
 * move it, and a pin holds it at one commit. The history is the repository's commits. Nothing is written back.
 */
final class MirrorTruth implements SourceOfTruth {
    private static final Logger log = LoggerFactory.getLogger(MirrorTruth.class);

    private final Clock clock;
    private final Duration followInterval;
    private final GitMirror mirror;
    private final SyncService sync;
    private final History history;
    private final ContextSource context;
    private final boolean clientOfHome;
    private final Runnable onChange;
    private ScheduledExecutorService follower;

    MirrorTruth(Config config, PaiHome home, Journal journal, Clock clock, boolean clientOfHome, Runnable onChange) {
        this.clock = clock;
        this.followInterval = config.limits().followInterval();
        this.clientOfHome = clientOfHome;
        this.onChange = onChange;
        this.mirror = GitMirror.open(home.root(), GitRemote.of(config), config.skillTimeout().plusSeconds(30));
        try {
            this.context = mirror.contextSource(clock, config.contextLimits());
            this.sync = new SyncService(mirror, journal, onChange, config.syncInterval(), config.webhookSecret(), clock);
        } catch (RuntimeException e) {
            mirror.close();
            throw e;
        }
        this.history = mirror.history(clock, config.contextLimits());
    }

    @Override
    public String mode() {
        return "cloud";
    }

    @Override
    public String describe() {
        return "the git repository " + mirror.remote().displayUrl() + " (branch " + mirror.remote().branch() + ")";
    }

    @Override
    public ContextSource contextSource() {
        return context;
    }

    @Override
    public Supplier<Path> skillsFolder() {
        return mirror::skillsFolder;
    }

    @Override
    public Supplier<Path> workflowsFolder() {
        return mirror::workflowsFolder;
    }

    @Override
    public History history() {
        return history;
    }

    @Override
    public void keepRevisionsFrom(Supplier<Set<String>> revisions) {
        // the repository keeps its commits; nothing here prunes them
    }

    @Override
    public synchronized void watch() {
        if (!clientOfHome) {
            sync.start();
        } else if (follower == null) {
            followMirror();
        }
    }

    @Override
    public void warmUp(Runnable overHttp, PushRendering rendering) {
        if (!clientOfHome) {
            sync.warmUpInBackground(overHttp, rendering);
        }
    }

    /** As a client of the home: picks up the commits the server syncs to, by looking at the home's HEAD. */
    private void followMirror() {
        follower = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "mirror-follower");
            t.setDaemon(true);
            return t;
        });
        long every = followInterval.toMillis();
        follower.scheduleWithFixedDelay(() -> {
            try {
                if (mirror.followHead()) {
                    onChange.run();
                }
            } catch (RuntimeException e) {
                log.warn("following the home's commit: {}", e.toString());
            }
        }, every, every, TimeUnit.MILLISECONDS);
    }

    @Override
    public Optional<String> whyReadOnly(String path) {
        return Optional.of("this server is in cloud mode: the git repository is the source of truth and its files here are "
                + "a read-only mirror. Commit " + path + " to the repository and push; the next sync brings it here");
    }

    @Override
    public WebhookResponse webhook(Map<String, String> headers, InputStream body) {
        return sync.handleWebhook(headers, body);
    }

    @Override
    public WebhookResponse syncForApi(String by) {
        return new WebhookResponse(200, sync.syncNow(by).toResponse()); // a failed sync throws Unavailable: 503
    }

    @Override
    public SyncResult syncNow(String by) {
        return sync.syncNow(by);
    }

    @Override
    public GitMirror.PinState pin(String commit, String by) {
        return sync.pin(commit, by);
    }

    @Override
    public SyncResult unpin(String by) {
        return sync.unpin(by);
    }

    @Override
    public SyncStatus syncStatus() {
        return sync.status();
    }

    @Override
    public Optional<SyncService> syncService() {
        return Optional.of(sync);
    }

    @Override
    public void addReadiness(ReadinessChecks checks) {
        checks.require("sync", sync::readinessProblem);
        checks.degradedWhen("sync", sync::readinessFailure);
        checks.heldBackWhen("sync", sync::readinessPinned);
        checks.report("sync", sync::readinessReport);
    }

    @Override
    public boolean startingUp() {
        return sync.cloningFirst();
    }

    @Override
    public ContextSnapshot whenNoSnapshot(BrainTrustException.Unavailable why) {
        return new ContextSnapshot(null, clock.instant(), List.of(), List.of(), List.of(why.getMessage())); // not cloned yet
    }

    @Override
    public synchronized void close() {
        if (follower != null) {
            follower.shutdownNow();
        }
        try {
            sync.close();
        } finally {
            mirror.close();
        }
    }
}
