package dev.braintrust.workflow;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.braintrust.BrainTrustException;
import dev.braintrust.Config;
import dev.braintrust.Json;
import dev.braintrust.Secret;
import dev.braintrust.context.ContextService;
import dev.braintrust.context.ContextSnapshot;
import dev.braintrust.context.PromptComposer;
import dev.braintrust.journal.Journal;
import dev.braintrust.journal.JournalEntry;
import dev.braintrust.journal.ModelCallRecord;
import dev.braintrust.journal.RunRecord;
import dev.braintrust.journal.RunStatus;
import dev.braintrust.journal.RunStore;
import dev.braintrust.journal.RunSummary;
import dev.braintrust.journal.Spend;
import dev.braintrust.journal.StepRecord;
import dev.braintrust.journal.StepStatus;
import dev.braintrust.journal.ToolCallRecord;
import dev.braintrust.journal.Usage;
import dev.braintrust.journal.UsageReport;
import dev.braintrust.skills.SkillRegistry;
import dev.braintrust.skills.SkillRunner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * The public face of agents and workflows: validate, dry-run, run (synchronously or in the
 * background), list, fetch, cancel and follow runs, and chat with one agent. Every run takes ONE
 * context snapshot, whose revision it records on the run and on every step; every run is stored
 * in the run database and gets one journal entry.
 */
public final class RunService implements AutoCloseable {
    static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(5);
    private static final Logger log = LoggerFactory.getLogger(RunService.class);
    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Config config;
    private final ContextService context;
    private final WorkflowLibrary workflows;
    private final RunStore store;
    private final Journal journal;
    private final Clock clock;
    private final ModelRouter router;
    private final AgentRunner agents;
    private final ExecutorService pool;
    private final ScheduledExecutorService timer;
    private final Map<String, ActiveRun> active = new ConcurrentHashMap<>();
    private final ModelDestinations destinations;
    private final Prices.Cached prices;
    private final List<Consumer<ModelCallRecord>> callListeners = new CopyOnWriteArrayList<>();

    public RunService(Config config, ContextService context, SkillRegistry skills, SkillRunner skillRunner,
                      WorkflowLibrary workflows, RunStore store, Journal journal, ModelGateway gateway, Clock clock) {
        this.config = config;
        this.context = context;
        this.workflows = workflows;
        this.store = store;
        this.journal = journal;
        this.clock = clock;
        this.router = new ModelRouter(config.models());
        this.destinations = new ModelDestinations(config.models(), config.egress().localModelHosts());
        this.prices = new Prices.Cached(config.home().resolve(Prices.FILE));
        this.agents = new AgentRunner(gateway, new SkillTools(skills, skillRunner), config.maxToolRounds(),
                config.models().maxRetries(), config.models().retryBackoff(), config.modelTimeout(), redactor(config));
        AtomicInteger threads = new AtomicInteger();
        this.pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "agent-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "run-timeouts");
            t.setDaemon(true);
            return t;
        });
        store.interruptedAtOpen().forEach(this::writeJournal);
    }

    // ---- workflows -------------------------------------------------------------------------

    /** The saved workflows in {@code workflows/}. */
    public List<SavedWorkflow> savedWorkflows() {
        return workflows.list();
    }

    /**
     * A saved workflow by name (file stem).
     *
     * @throws BrainTrustException.NotFound when there is none of that name
     * @throws BrainTrustException.BadInput when the file is not a valid workflow
     */
    public Workflow loadSaved(String name) {
        String stem = name.endsWith(".json") ? name.substring(0, name.length() - 5) : name;
        return Workflow.fromJson(workflows.read(stem), stem);
    }

    /**
     * Reads the body of the run routes. Accepted shapes: the workflow graph itself (what the
     * original UI posted), optionally with {@code "dryRun": true} beside {@code nodes}; or
     * {@code {"workflow": <graph>, "dryRun": true}}; or {@code {"workflow": "<saved name>"}}.
     */
    public RunRequest parseRunRequest(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new BrainTrustException.BadInput("the body must be a workflow: {\"nodes\": [...], \"edges\": [...]}, "
                    + "or {\"workflow\": {...} or \"<saved name>\", \"dryRun\": true}");
        }
        boolean dryRun = body.path("dryRun").asBoolean(false) || body.path("dry_run").asBoolean(false);
        JsonNode inner = body.get("workflow");
        String fallback = body.path("name").isTextual() ? body.get("name").asText() : "workflow";
        if (inner != null && inner.isTextual()) {
            return new RunRequest(loadSaved(inner.asText()), dryRun);
        }
        if (inner != null && inner.isObject()) {
            return new RunRequest(Workflow.fromJson(inner, fallback), dryRun);
        }
        return new RunRequest(Workflow.fromJson(body, fallback), dryRun);
    }

    /**
     * Validates a workflow and resolves its models.
     *
     * @throws BrainTrustException.BadInput naming every problem
     */
    public WorkflowPlan plan(Workflow workflow) {
        return WorkflowPlan.of(workflow, config.defaultModel(), router);
    }

    /**
     * Every agent's exact system prompt and task, in execution order, without calling a model; and
     * per agent where its calls would go, which context files it receives and which are withheld.
     */
    public DryRun dryRun(Workflow workflow) {
        WorkflowPlan plan = plan(workflow);
        ContextSnapshot snapshot = context.snapshot();
        AgentContexts contexts = new AgentContexts(snapshot, destinations);
        List<String> problems = new ArrayList<>(plan.keyProblems());
        problems.addAll(budgetProblems(workflow, plan, prices.get()));
        List<DryRun.Agent> list = new ArrayList<>();
        for (AgentNode agent : plan.order()) {
            List<String> upstream = plan.upstream().get(agent.id()).stream()
                    .map(id -> workflow.agent(id).displayName()).toList();
            String task = TaskComposer.compose(agent, upstream.stream()
                    .map(name -> new TaskComposer.Input(name, DryRun.placeholder(name))).toList());
            ModelRoute route = plan.routes().get(agent.id());
            AgentContexts.Agent context = contexts.of(route);
            list.add(new DryRun.Agent(agent.id(), agent.displayName(), route.model(), route.provider(), upstream,
                    PromptComposer.compose(context.selection().snapshot(), agent.backstory()), task,
                    context.share()));
        }
        return new DryRun(workflow.name(), snapshot.revision(), problems.isEmpty(), list, problems, plan.notes());
    }

    /**
     * What keeps a budget from being enforced: a cost limit (the workflow's or the day's) with an
     * agent whose model has no price in prices.json. Such a run is refused before it starts.
     */
    private List<String> budgetProblems(Workflow workflow, WorkflowPlan plan, Prices table) {
        List<String> problems = new ArrayList<>();
        boolean costLimited = workflow.budget().maxCost() != null
                || config.egress().dailyBudget() != null && config.egress().dailyBudget().cost() != null;
        if (!costLimited) {
            return problems;
        }
        String limit = workflow.budget().maxCost() != null ? "the workflow's budget.maxCost" : "BRAIN_TRUST_DAILY_BUDGET";
        plan.routes().values().stream().map(ModelRoute::model).distinct().sorted().forEach(model -> {
            if (table.priceOf(model).isEmpty()) {
                problems.add(limit + " limits cost, but " + config.home().resolve(Prices.FILE) + " has no price for the model '"
                        + model + "': add one (per million input and output tokens), or the budget could not be kept");
            }
        });
        return problems;
    }

    // ---- what leaves the machine ---------------------------------------------------------------

    /** Runs {@code listener} after every model call of every run, with its ledger entry (the metrics use it). */
    public void onModelCall(Consumer<ModelCallRecord> listener) {
        callListeners.add(Objects.requireNonNull(listener));
    }

    /** What the model calls since local midnight count against BRAIN_TRUST_DAILY_BUDGET, every run together. */
    public Spend spentToday() {
        return store.spentSince(startOfToday());
    }

    /**
     * Why no run should start now because the day's budget is spent, or empty when runs may start.
     * For schedulers: a scheduled run is skipped with this reason rather than started and stopped at
     * its first model call. Always empty without BRAIN_TRUST_DAILY_BUDGET.
     */
    public Optional<String> dailyBudgetExhausted() {
        Config.DailyBudget daily = config.egress().dailyBudget();
        if (daily == null) {
            return Optional.empty();
        }
        Spend today = spentToday();
        String currency = prices.get().currency();
        if (daily.tokens() != null && today.tokens() >= daily.tokens()) {
            return Optional.of(String.format(Locale.ROOT, "today's budget of %,d tokens (BRAIN_TRUST_DAILY_BUDGET) is spent: "
                    + "today's model calls have used %,d", daily.tokens(), today.tokens()));
        }
        if (daily.cost() != null && today.cost() >= daily.cost()) {
            return Optional.of("today's budget of " + Usage.money(daily.cost(), currency) + " (BRAIN_TRUST_DAILY_BUDGET) is spent: "
                    + "today's model calls have cost " + Usage.money(today.cost(), currency));
        }
        return Optional.empty();
    }

    /** The egress ledger summed since {@code since}: per provider, host, model, workflow, day and context file. */
    public UsageReport usage(Instant since) {
        return store.usageSince(since, clock.getZone());
    }

    /**
     * The egress ledger since {@code since} ({@link #since(String)}), and today's spend against the daily budget.
     *
     * @throws BrainTrustException.BadInput when {@code since} is not a period
     */
    public Spending spending(String since) {
        Instant start = since(since);
        return new Spending(usage(start), new Spending.Today(startOfToday(), spentToday(), config.egress().dailyBudget(),
                prices.get().currency(), dailyBudgetExhausted().orElse(null)));
    }

    /** The longest period the ledger is summed over at once. */
    static final int MAX_PERIOD_DAYS = 3660;

    /**
     * The start of a period written as {@code 7d}, {@code 24h}, {@code 30m}, {@code today} or a date
     * ({@code 2026-11-01}, local midnight); null or blank means {@code 7d}.
     *
     * @throws BrainTrustException.BadInput naming what is accepted
     */
    public Instant since(String text) {
        String t = text == null || text.isBlank() ? "7d" : text.strip().toLowerCase(Locale.ROOT);
        if (t.equals("today")) {
            return startOfToday();
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,7})\\s*([dhm])").matcher(t);
        if (m.matches()) {
            long amount = Long.parseLong(m.group(1));
            Duration d = switch (m.group(2)) {
                case "d" -> Duration.ofDays(amount);
                case "h" -> Duration.ofHours(amount);
                default -> Duration.ofMinutes(amount);
            };
            if (d.toDays() > MAX_PERIOD_DAYS) {
                throw new BrainTrustException.BadInput("'" + text + "' is longer than " + MAX_PERIOD_DAYS + " days");
            }
            return clock.instant().minus(d);
        }
        try {
            return LocalDate.parse(t).atStartOfDay(clock.getZone()).toInstant();
        } catch (java.time.format.DateTimeParseException e) {
            throw new BrainTrustException.BadInput("'" + text + "' is not a period: use 7d, 24h, 30m, today or a date "
                    + "such as 2026-11-01");
        }
    }

    /** Local midnight of today, in the clock's zone. */
    public Instant startOfToday() {
        return LocalDate.now(clock).atStartOfDay(clock.getZone()).toInstant();
    }

    // ---- runs ------------------------------------------------------------------------------

    /**
     * Validates and starts a run in the background.
     *
     * @param source   who started it (cli, api, chat), as recorded
     * @param listener receives every event of the run, from the first; may be null
     * @throws BrainTrustException.BadInput    when the workflow is not valid or a provider has no key
     * @throws BrainTrustException.Unavailable when the run database cannot store the run
     */
    public RunHandle start(Workflow workflow, String source, Consumer<RunEvent> listener) {
        WorkflowPlan plan = plan(workflow);
        plan.requireKeys();
        Prices table = prices.get();
        List<String> budgetProblems = budgetProblems(workflow, plan, table);
        if (!budgetProblems.isEmpty()) {
            throw new BrainTrustException.BadInput(String.join("; ", budgetProblems));
        }
        ContextSnapshot snapshot = context.snapshot();
        AgentContexts contexts = new AgentContexts(snapshot, destinations);
        Map<String, String> prompts = new LinkedHashMap<>();
        Map<String, RunEgress.Agent> agentEgress = new LinkedHashMap<>();
        for (AgentNode a : plan.order()) {
            AgentContexts.Agent agentContext = contexts.of(plan.routes().get(a.id()));
            prompts.put(a.id(), PromptComposer.compose(agentContext.selection().snapshot(), a.backstory()));
            agentEgress.put(a.id(), agentContext.egress());
        }
        RunEgress egress = new RunEgress(agentEgress, table,
                new Budgets(workflow.budget(), config.egress().dailyBudget(), this::spentToday, table), this::modelCalled);
        String id = newRunId();
        EventHub hub = new EventHub();
        if (listener != null) {
            hub.subscribe(listener);
        }
        RunExecution execution = new RunExecution(id, source, plan, prompts, snapshot.revision(), agents, pool,
                config.maxParallel(), store, clock, hub::publish, egress);
        Map<String, List<ModelCallRecord.FileRef>> carried = new LinkedHashMap<>();
        agentEgress.forEach((node, e) -> carried.put(node, e.files()));
        store.insert(execution.snapshot(), definition(workflow), carried);
        ScheduledFuture<?> timeout = timer.schedule(() -> execution.stop(RunStatus.TIMED_OUT,
                        "the run took longer than " + human(config.runTimeout()) + " (BRAIN_TRUST_RUN_TIMEOUT)"),
                config.runTimeout().toMillis(), TimeUnit.MILLISECONDS);
        CompletableFuture<RunRecord> done = execution.result().whenComplete((record, error) -> {
            timeout.cancel(false);
            writeJournal(record);
            active.remove(id);
        });
        active.put(id, new ActiveRun(execution, hub, done));
        execution.start();
        return new RunHandle(id, snapshot.revision(), done);
    }

    /** Runs a workflow and returns when it has finished, whatever the outcome (see the record's status). */
    public RunRecord run(Workflow workflow, String source, Consumer<RunEvent> listener) {
        RunHandle handle = start(workflow, source, listener);
        try {
            return handle.result().get();
        } catch (InterruptedException e) {
            cancel(handle.id());
            Thread.currentThread().interrupt();
            throw new BrainTrustException.Unavailable("interrupted while waiting for run " + handle.id() + "; it was cancelled");
        } catch (ExecutionException e) {
            throw new IllegalStateException("a run's result never fails", e.getCause());
        }
    }

    /**
     * A run with its steps.
     *
     * @throws BrainTrustException.NotFound when there is no run with this id
     */
    public RunRecord get(String id) {
        checkId(id);
        return store.find(id).orElseThrow(() -> new BrainTrustException.NotFound("no run with id '" + id + "'"));
    }

    /** Runs, newest first. */
    public List<RunSummary> list(int limit, int offset) {
        return store.list(limit, offset);
    }

    /**
     * Cancels a run of this process and returns it as it ended; a run that has already finished
     * is returned as it is.
     *
     * @throws BrainTrustException.NotFound when there is no such run
     * @throws BrainTrustException.BadInput when the run belongs to another process sharing the database
     */
    public RunRecord cancel(String id) {
        checkId(id);
        ActiveRun run = active.get(id);
        if (run != null) {
            run.execution.stop(RunStatus.CANCELLED, "cancelled on request");
            return run.done.join();
        }
        RunRecord record = get(id);
        if (record.status() == RunStatus.RUNNING) {
            throw new BrainTrustException.BadInput("run " + id + " is running in another Brain Trust process; cancel it there");
        }
        return record;
    }

    /**
     * Follows a run: the events so far are replayed to the listener, then it receives the live
     * ones until the {@code done} event. For a finished run, the events are rebuilt from the
     * database. Close the returned handle to stop listening.
     *
     * @throws BrainTrustException.NotFound when there is no such run
     */
    public AutoCloseable subscribe(String id, Consumer<RunEvent> listener) {
        checkId(id);
        ActiveRun run = active.get(id);
        if (run != null) {
            return run.hub.subscribe(listener);
        }
        replay(get(id), listener);
        return () -> {
        };
    }

    /** The ids of the runs this process is running now. */
    public List<String> activeRuns() {
        return List.copyOf(active.keySet());
    }

    public String databaseDescription() {
        return store.description();
    }

    // ---- chat ------------------------------------------------------------------------------

    /**
     * Sends one message to one agent (stored as a one-agent run, with a journal entry).
     *
     * @throws BrainTrustException.BadInput    when the agent's model cannot be used
     * @throws BrainTrustException.Unavailable when the model failed to answer
     */
    public ChatReply chat(AgentChat chat) {
        RunRecord record = run(chat.asWorkflow(), "chat", null);
        StepRecord step = record.steps().get(0);
        if (!record.succeeded()) {
            throw new BrainTrustException.Unavailable("the agent could not answer: "
                    + (step.error() != null ? step.error() : record.error()));
        }
        return new ChatReply(record.finalOutput(), step.agent(), step.model(), record.id(), record.revision());
    }

    // ---- internals -------------------------------------------------------------------------

    private void modelCalled(ModelCallRecord call) {
        for (Consumer<ModelCallRecord> listener : callListeners) {
            try {
                listener.accept(call);
            } catch (RuntimeException e) {
                log.warn("a model-call listener failed: {}", e.toString());
            }
        }
    }

    private void replay(RunRecord run, Consumer<RunEvent> listener) {
        listener.accept(new RunEvent(RunEvent.Type.RUN_STARTED, run.id(), run.startedAt(), null, null,
                RunStatus.RUNNING.label(), null, run.workflow(), null));
        for (StepRecord step : run.steps()) {
            if (step.startedAt() != null) {
                listener.accept(new RunEvent(RunEvent.Type.NODE_STARTED, run.id(), step.startedAt(), step.nodeId(),
                        step.agent(), StepStatus.RUNNING.label(), null, step.model(), null));
            }
            for (ToolCallRecord call : step.toolCalls()) {
                listener.accept(new RunEvent(RunEvent.Type.TOOL_CALL, run.id(), step.startedAt(), step.nodeId(),
                        step.agent(), StepStatus.RUNNING.label(), call.durationMs(), null, call));
            }
            if (step.status().finished()) {
                listener.accept(new RunEvent(RunEvent.Type.NODE_FINISHED, run.id(),
                        step.finishedAt() != null ? step.finishedAt() : run.startedAt(), step.nodeId(), step.agent(),
                        step.status().label(), step.durationMs(), step.error(), null));
            }
        }
        if (run.status().finished()) {
            listener.accept(new RunEvent(RunEvent.Type.DONE, run.id(), run.finishedAt() != null ? run.finishedAt() : run.startedAt(),
                    null, null, run.status().label(), run.durationMs(),
                    run.error() != null ? run.error() : ToolCallRecord.excerpt(run.finalOutput(), 500), null));
        }
    }

    private void writeJournal(RunRecord run) {
        if (run == null) {
            return;
        }
        try {
            journal.append(new JournalEntry(run.finishedAt() != null ? run.finishedAt() : clock.instant(), run.workflow(),
                    run.status().label(), Duration.ofMillis(run.durationMs() == null ? 0 : run.durationMs()), run.revision(),
                    run.steps().stream().map(StepRecord::agent).toList(), run.id(),
                    run.error() != null ? run.error() : run.finalOutput()));
        } catch (RuntimeException e) {
            log.warn("run {}: {}", run.id(), e.getMessage());
        }
    }

    private static String definition(Workflow workflow) {
        try {
            return Json.mapper().writeValueAsString(workflow);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a workflow is plain records", e);
        }
    }

    private String newRunId() {
        byte[] random = new byte[3];
        RANDOM.nextBytes(random);
        return ID_TIME.format(clock.instant()) + "-" + HexFormat.of().formatHex(random);
    }

    private static void checkId(String id) {
        if (id == null || !id.matches("[A-Za-z0-9-]{1,64}")) {
            throw new BrainTrustException.BadInput("'" + id + "' is not a run id");
        }
    }

    static String human(Duration d) {
        if (d.toMillis() % 60_000 == 0 && d.toMinutes() > 0) {
            return d.toMinutes() + " min";
        }
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    /** Replaces every configured secret in a message (provider errors can echo a key). */
    static UnaryOperator<String> redactor(Config config) {
        List<String> secrets = new ArrayList<>();
        for (Secret s : new Secret[]{config.models().openAiKey(), config.models().anthropicKey(), config.models().geminiKey(),
                config.apiKey(), config.webhookSecret(), config.gitToken(), config.dbPassword()}) {
            if (s != null && s.reveal().length() >= 4) {
                secrets.add(s.reveal());
            }
        }
        return text -> {
            String out = text;
            for (String secret : secrets) {
                out = out.replace(secret, "****");
            }
            return out;
        };
    }

    /** Stops the runs of this process (they end interrupted) and the threads. */
    @Override
    public void close() {
        List<CompletableFuture<RunRecord>> pending = new ArrayList<>();
        for (ActiveRun run : active.values()) {
            run.execution.stop(RunStatus.INTERRUPTED, "Brain Trust stopped while the run was going on");
            pending.add(run.done);
        }
        try {
            CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get(SHUTDOWN_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.warn("some runs did not finish stopping: {}", e.toString());
        }
        pool.shutdownNow();
        timer.shutdownNow();
    }

    private record ActiveRun(RunExecution execution, EventHub hub, CompletableFuture<RunRecord> done) {
    }

    /** The events of one run so far, and who is listening. */
    static final class EventHub {
        private final List<RunEvent> history = new ArrayList<>();
        private final List<Consumer<RunEvent>> listeners = new CopyOnWriteArrayList<>();

        synchronized void publish(RunEvent event) {
            history.add(event);
            for (Consumer<RunEvent> listener : listeners) {
                try {
                    listener.accept(event);
                } catch (RuntimeException e) {
                    log.warn("a run listener failed: {}", e.toString());
                }
            }
        }

        synchronized AutoCloseable subscribe(Consumer<RunEvent> listener) {
            Objects.requireNonNull(listener);
            history.forEach(listener);
            listeners.add(listener);
            return () -> listeners.remove(listener);
        }
    }
}
