package dev.braintrust;

import dev.braintrust.context.ContextService;
import dev.braintrust.context.ContextSnapshot;
import dev.braintrust.history.History;
import dev.braintrust.home.PaiHome;
import dev.braintrust.journal.Journal;
import dev.braintrust.journal.RunStore;
import dev.braintrust.notify.Notifier;
import dev.braintrust.schedule.ScheduleService;
import dev.braintrust.skills.SkillRegistry;
import dev.braintrust.skills.SkillRunner;
import dev.braintrust.skills.Skill;
import dev.braintrust.workflow.ModelAliases;
import dev.braintrust.workflow.ModelGateway;
import dev.braintrust.workflow.ModelRouter;
import dev.braintrust.workflow.ModelStatus;
import dev.braintrust.workflow.OllamaProbe;
import dev.braintrust.workflow.ProviderGateway;
import dev.braintrust.workflow.RunService;
import dev.braintrust.sync.PushRendering;
import dev.braintrust.sync.SyncService;
import dev.braintrust.truth.SourceOfTruth;
import dev.braintrust.truth.Sources;
import dev.braintrust.sync.WebhookResponse;
import dev.braintrust.workflow.SavedWorkflow;
import dev.braintrust.workflow.Prices;
import dev.braintrust.workflow.PrivacyReport;
import dev.braintrust.workflow.Workflow;
import dev.braintrust.workflow.WorkflowLibrary;
import dev.braintrust.journal.ModelCallRecord;

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
    private final SourceOfTruth truth;
    private final ModelRouter modelRouter;
    private final OllamaProbe ollama;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final List<Consumer<ModelCallRecord>> modelCallListeners = new ArrayList<>();
    private final ScheduleService schedules;
    private final boolean clientOfHome;
    private RunService runs;
    private RunStore store;
    private boolean automationStarted;

    private BrainTrust(Config config, Clock clock, boolean clientOfHome) {
        this.config = config;
        this.clock = clock;
        this.clientOfHome = clientOfHome;
        this.home = new PaiHome(config.home());
        home.checkUsable();
        this.journal = new Journal(home.logs(), clock);
        this.truth = Sources.open(config, home, journal, clock, clientOfHome, this::sourceChanged);
        closeables.add(truth);
        this.context = new ContextService(truth.contextSource(), config.contextTtl());
        this.skills = new SkillRegistry(truth.skillsFolder(), config.contextTtl());
        this.workflows = new WorkflowLibrary(truth.workflowsFolder(), config.contextLimits().fileBytes());
        // a push's answer goes out once served: the new snapshot is loaded beside the reader it was sent to
        truth.syncService().ifPresent(s -> s.whenAnswered(context::snapshot));
        this.skillRunner = new SkillRunner(config.skillTimeout(), config.skillOutputCap(), config.environment(),
                config.skillIsolation());
        closeables.add(skillRunner);
        this.modelRouter = new ModelRouter(config.models(), new ModelAliases(workflows::folder));
        this.ollama = new OllamaProbe(config.models().ollamaBaseUrl(), clock);
        context.onInvalidate(skills::invalidate);
        this.schedules = new ScheduleService(workflows, context, this::runs, () -> {
            runs();
            return store.schedules();
        }, config.automation(), clock);
        context.onInvalidate(schedules::contextInvalidated);
    }

    /** Builds the services over an existing home (see {@link PaiHome#init()} to create one). */
    public static BrainTrust open(Config config) {
        return new BrainTrust(config, Clock.system(config.timeZone()), false);
    }

    /**
     * Builds the services for a client of a home that a server may own at the same time
     * ({@code brain-trust mcp}): it never syncs (in cloud mode {@link #watchForChanges()} follows the
     * commit the server moves the home to) and never migrates the run database (see {@link #runs()}).
     */
    public static BrainTrust openAsClient(Config config) {
        return new BrainTrust(config, Clock.system(config.timeZone()), true);
    }

    /** As {@link #open(Config)}, on another clock (tests and benchmarks that move time). */
    public static BrainTrust open(Config config, Clock clock) {
        return new BrainTrust(config, clock, false);
    }

    /**
     * Always-on agents, for a long-running process (the server): takes over the runs waiting for approval that
     * no live process runs, and starts the scheduler (schedules and triggers). Works in the background, once the
     * run database is open, so start-up does not wait for it.
     */
    public synchronized void startAutomation() {
        if (automationStarted) {
            return;
        }
        automationStarted = true;
        Thread starter = new Thread(() -> {
            try {
                runs().resumeWaitingRuns();
                synchronized (this) {
                    closeables.add(schedules);
                    schedules.start();
                }
            } catch (BrainTrustException e) {
                org.slf4j.LoggerFactory.getLogger(BrainTrust.class)
                        .warn("schedules and triggers are not running: the run database is not available: {}", e.getMessage());
            }
        }, "automation-start");
        starter.setDaemon(true);
        starter.start();
    }

    /**
     * Warms up the path an update takes, in the background (see {@link SourceOfTruth#warmUp}), once the server listens;
     * {@code overHttp} then sends the server the requests of a push, and {@code rendering} renders the answers to the
     * warm-up's own pushes as the server renders them.
     */
    public void warmUpPushPath(Runnable overHttp, PushRendering rendering) {
        truth.warmUp(overHttp, rendering);
    }

    /**
     * Keeps up with the source of truth, for a long-running process (the server). Local mode
     * watches the home for edits, so a saved change is visible to the next read. Cloud mode
     * syncs now (cloning into an empty home), then periodically and on every webhook; a client of
     * the home ({@link #openAsClient}) follows the commits the server syncs to instead.
     *
     * @throws BrainTrustException.Unavailable when the operating system refuses a watch
     */
    public void watchForChanges() {
        truth.watch();
    }

    private void sourceChanged() {
        ContextService current = context;
        if (current != null) { // a change while the source opens (a killed server's last answer served again) comes before the cache
            current.invalidate();
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
     * @throws BrainTrustException.Unavailable when the run database cannot be opened or migrated (for a
     *                                         client of the home: when its schema is not migrated yet)
     */
    public synchronized RunService runs() {
        if (runs == null) {
            store = clientOfHome ? RunStore.openWithoutMigrating(config, home.state(), clock)
                    : RunStore.open(config, home.state(), clock);
            closeables.add(store);
            ModelGateway gateway = new ProviderGateway(config.models(), config.modelTimeout());
            closeables.add(gateway);
            RunService opened = new RunService(config, context, skills, skillRunner, workflows, store, journal, gateway, clock, ollama,
                    truth.history()::open);
            truth.keepRevisionsFrom(store::revisionsInUse);
            modelCallListeners.forEach(opened::onModelCall);
            Notifier notifier = new Notifier(config, opened, store.notifications(), workflows, clock);
            closeables.add(notifier);
            opened.addListener(notifier::onEvent);
            runs = opened;
            closeables.add(runs);
        }
        return runs;
    }

    /** Schedules and triggers of the saved workflows (running once {@link #startAutomation()} is called). */
    public ScheduleService schedules() {
        return schedules;
    }

    /** The run service if something opened it already (a server stopping has runs to end only then). */
    public synchronized Optional<RunService> openedRuns() {
        return Optional.ofNullable(runs);
    }

    /**
     * Every version of the home: local mode's own history of the folder, cloud mode's commits of the mirror. The
     * revision a run recorded is a version id here (replays open it).
     */
    public History history() {
        return truth.history();
    }

    /** Where context, skills and workflows come from, and all that differs with it (see {@link SourceOfTruth}). */
    public SourceOfTruth truth() {
        return truth;
    }

    /** The sync service in cloud mode; empty in local mode. */
    public Optional<SyncService> sync() {
        return truth.syncService();
    }

    /** Serves a webhook delivery (see {@link SyncService#handleWebhook}); in local mode it is checked, then answered 409. */
    public WebhookResponse webhook(Map<String, String> headers, InputStream body) {
        return truth.webhook(headers, body);
    }

    public StatusReport status() {
        ContextSnapshot snapshot;
        try {
            snapshot = context.snapshot();
        } catch (BrainTrustException.Unavailable e) {
            snapshot = truth.whenNoSnapshot(e);
        }
        List<String> warnings = new ArrayList<>(snapshot.warnings());
        List<SavedWorkflow> saved = workflows.list();
        saved.stream().filter(w -> !w.usable()).forEach(w -> warnings.add(w.problem()));
        warnings.addAll(schedules.problems());
        ModelStatus models = models();
        if (models.aliasProblem() != null) {
            warnings.add(models.aliasProblem() + " (until it is fixed, no workflow can run)");
        }
        if (!models.defaultCanRun()) {
            warnings.add("no model can run for agents that name none: " + models.defaultProblem()
                    + " (see 'Default model' for the ways to fix it)");
        }
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
                truth.mode(),
                home.root(),
                sourceOfTruth(),
                snapshot.revision(),
                snapshot.loadedAt(),
                snapshot.files().stream().map(f -> f.name()).toList(),
                snapshot.missing(),
                skills.list().stream().map(Skill::name).toList(),
                skills.skipped(),
                saved.stream().filter(SavedWorkflow::usable).map(SavedWorkflow::name).toList(),
                warnings,
                models.providers(),
                truth.syncStatus(),
                models,
                clock.getZone().getId(),
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

    /**
     * Which providers can be used now (a key, or an Ollama server that answers), whether the default
     * model can run, and the model aliases. Asks the Ollama server, at most every 30 s and for under a second.
     */
    public ModelStatus models() {
        return ModelStatus.check(config.defaultModel(), modelRouter, ollama);
    }

    /** The source of truth in words: the folder, or the repository (never with a credential) and its branch. */
    public String sourceOfTruth() {
        return truth.describe();
    }

    /** Model providers that can be used: those with a key, and Ollama when it answers. */
    public List<String> configuredProviders() {
        return models().providers();
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
