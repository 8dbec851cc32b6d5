package dev.braintrust;

import dev.braintrust.context.ContextService;
import dev.braintrust.context.ContextSnapshot;
import dev.braintrust.context.FolderContextSource;
import dev.braintrust.home.PaiHome;
import dev.braintrust.journal.Journal;
import dev.braintrust.journal.RunStore;
import dev.braintrust.skills.SkillRegistry;
import dev.braintrust.skills.SkillRunner;
import dev.braintrust.skills.Skill;
import dev.braintrust.sync.FolderWatcher;
import dev.braintrust.workflow.ModelGateway;
import dev.braintrust.workflow.ProviderGateway;
import dev.braintrust.workflow.RunService;
import dev.braintrust.sync.GitMirror;
import dev.braintrust.sync.GitRemote;
import dev.braintrust.sync.SyncService;
import dev.braintrust.sync.WebhookResponse;
import dev.braintrust.workflow.SavedWorkflow;
import dev.braintrust.workflow.Prices;
import dev.braintrust.workflow.PrivacyReport;
import dev.braintrust.workflow.Workflow;
import dev.braintrust.workflow.WorkflowLibrary;
import dev.braintrust.journal.ModelCallRecord;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The composition root: builds every service from one {@link Config} and closes them in reverse
 * order. The server and the CLI are thin shells over the services this hands out.
 */
public final class BrainTrust implements AutoCloseable {
    private final Config config;
    private final PaiHome home;
    private final Clock clock;
    private final ContextService context;
    private final SkillRegistry skills;
    private final SkillRunner skillRunner;
    private final WorkflowLibrary workflows;
    private final Journal journal;
    private final GitMirror mirror;
    private final SyncService sync;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final List<Consumer<ModelCallRecord>> modelCallListeners = new ArrayList<>();
    private RunService runs;

    private BrainTrust(Config config, Clock clock) {
        this.config = config;
        this.clock = clock;
        this.home = new PaiHome(config.home());
        home.checkUsable();
        this.journal = new Journal(home.logs(), clock);
        if (config.cloudMode()) {
            // Cloud mode: context from the mirror's current commit, skills and workflows from its checkout.
            this.mirror = GitMirror.open(home.root(), GitRemote.of(config), config.skillTimeout().plusSeconds(30));
            closeables.add(mirror);
            this.context = new ContextService(mirror.contextSource(clock), config.contextTtl());
            this.skills = new SkillRegistry(mirror::skillsFolder, config.contextTtl());
            this.workflows = new WorkflowLibrary(mirror::workflowsFolder);
            this.sync = new SyncService(mirror, journal, context::invalidate, config.syncInterval(),
                    config.webhookSecret(), clock);
            closeables.add(sync);
        } else {
            this.mirror = null;
            this.sync = null;
            this.context = new ContextService(new FolderContextSource(home.context(), clock), config.contextTtl());
            this.skills = new SkillRegistry(home::skills, config.contextTtl());
            this.workflows = new WorkflowLibrary(home::workflows);
        }
        this.skillRunner = new SkillRunner(config.skillTimeout(), config.skillOutputCap());
        closeables.add(skillRunner);
        context.onInvalidate(skills::invalidate);
    }

    /** Builds the services over an existing home (see {@link PaiHome#init()} to create one). */
    public static BrainTrust open(Config config) {
        return new BrainTrust(config, Clock.systemDefaultZone());
    }

    /**
     * Keeps up with the source of truth, for a long-running process (the server). Local mode
     * watches the home for edits, so a saved change is visible to the next read. Cloud mode
     * syncs now (cloning into an empty home), then periodically and on every webhook.
     *
     * @throws BrainTrustException.Unavailable when the operating system refuses a watch
     */
    public void watchForChanges() {
        if (sync != null) {
            sync.start();
            return;
        }
        try {
            closeables.add(new FolderWatcher(home.root(), PaiHome.SYNCED_FOLDERS, context::invalidate));
        } catch (IOException e) {
            throw new BrainTrustException.Unavailable("cannot watch " + home.root() + " for changes: " + e.getMessage(), e);
        }
    }

    public Config config() {
        return config;
    }

    public PaiHome home() {
        return home;
    }

    public Clock clock() {
        return clock;
    }

    public ContextService context() {
        return context;
    }

    public SkillRegistry skills() {
        return skills;
    }

    public SkillRunner skillRunner() {
        return skillRunner;
    }

    public WorkflowLibrary workflows() {
        return workflows;
    }

    public Journal journal() {
        return journal;
    }

    /**
     * Agents and workflows, over the run database and the model providers. Opened on first use
     * (commands that do not run agents never open the database).
     *
     * @throws BrainTrustException.Unavailable when the run database cannot be opened or migrated
     */
    public synchronized RunService runs() {
        if (runs == null) {
            RunStore store = RunStore.open(config, home.state(), clock);
            closeables.add(store);
            ModelGateway gateway = new ProviderGateway(config.models(), config.modelTimeout());
            closeables.add(gateway);
            runs = new RunService(config, context, skills, skillRunner, workflows, store, journal, gateway, clock);
            modelCallListeners.forEach(runs::onModelCall);
            closeables.add(runs);
        }
        return runs;
    }

    /** The sync service in cloud mode; empty in local mode. */
    public Optional<SyncService> sync() {
        return Optional.ofNullable(sync);
    }

    /** Serves a webhook delivery (see {@link SyncService#handleWebhook}); in local mode it is checked, then answered 409. */
    public WebhookResponse webhook(Map<String, String> headers, InputStream body) {
        return sync != null ? sync.handleWebhook(headers, body)
                : SyncService.handleWebhookWithoutMirror(config.webhookSecret(), headers, body);
    }

    public StatusReport status() {
        ContextSnapshot snapshot;
        try {
            snapshot = context.snapshot();
        } catch (BrainTrustException.Unavailable e) {
            if (sync == null) {
                throw e;
            }
            snapshot = new ContextSnapshot(null, clock.instant(), List.of(), List.of(), List.of(e.getMessage())); // not cloned yet
        }
        List<String> warnings = new ArrayList<>(snapshot.warnings());
        List<SavedWorkflow> saved = workflows.list();
        saved.stream().filter(w -> !w.usable()).forEach(w -> warnings.add(w.problem()));
        Map<String, Workflow> readable = new LinkedHashMap<>();
        for (SavedWorkflow w : saved) {
            if (w.usable()) {
                try {
                    readable.put(w.name(), Workflow.fromJson(workflows.read(w.name()), w.name()));
                } catch (BrainTrustException e) {
                    // reported by 'run' and the workflows page; status only needs the ones that can run
                }
            }
        }
        Path pricesFile = home.root().resolve(Prices.FILE);
        Prices prices = Prices.read(pricesFile);
        warnings.addAll(prices.problems());
        return new StatusReport(
                config.cloudMode() ? "cloud" : "local",
                home.root(),
                mirror != null
                        ? "the git repository " + mirror.remote().displayUrl() + " (branch " + mirror.remote().branch() + ")"
                        : "the folder " + home.root(),
                snapshot.revision(),
                snapshot.loadedAt(),
                snapshot.files().stream().map(f -> f.name()).toList(),
                snapshot.missing(),
                skills.list().stream().map(Skill::name).toList(),
                skills.skipped(),
                saved.stream().filter(SavedWorkflow::usable).map(SavedWorkflow::name).toList(),
                warnings,
                configuredProviders(),
                sync == null ? null : sync.status(),
                PrivacyReport.of(config, snapshot, readable),
                new StatusReport.PriceTable(pricesFile, prices.currency(), prices.isEmpty()),
                config.egress().dailyBudget());
    }

    /**
     * Runs {@code listener} after every model call of every run, with its ledger entry (the server's
     * metrics). Does not open the run database.
     */
    public synchronized void onModelCall(Consumer<ModelCallRecord> listener) {
        modelCallListeners.add(listener);
        if (runs != null) {
            runs.onModelCall(listener);
        }
    }

    /** Model providers that can be used: those with a key, and Ollama, which needs none. */
    public List<String> configuredProviders() {
        Config.ModelKeys m = config.models();
        List<String> providers = new ArrayList<>();
        if (m.openAiKey() != null || m.openAiBaseUrl() != null) {
            providers.add("openai");
        }
        if (m.anthropicKey() != null) {
            providers.add("anthropic");
        }
        if (m.geminiKey() != null) {
            providers.add("gemini");
        }
        providers.add("ollama");
        return providers;
    }

    @Override
    public void close() {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            try {
                closeables.get(i).close();
            } catch (Exception e) {
                org.slf4j.LoggerFactory.getLogger(BrainTrust.class).warn("closing {}: {}", closeables.get(i), e.toString());
            }
        }
    }
}
