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
import dev.braintrust.history.PastRevision;
import dev.braintrust.journal.ApprovalRecord;
import dev.braintrust.journal.ContextShare;
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
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.TokenUsage;
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
    public static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(5);
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
    private final OllamaProbe ollama;
    private final AgentRunner agents;
    private final ModelGateway gateway;
    private final UnaryOperator<String> redact;
    private final ExecutorService pool;
    private final ScheduledExecutorService timer;
    private final Map<String, ActiveRun> active = new ConcurrentHashMap<>();
    private final ModelDestinations destinations;
    private final Prices.Cached prices;
    private final List<Consumer<ModelCallRecord>> callListeners = new CopyOnWriteArrayList<>();
    private final Map<String, ScheduledFuture<?>> timeouts = new ConcurrentHashMap<>();
    private final List<Consumer<RunEvent>> listeners = new CopyOnWriteArrayList<>();
    private final Duration approvalTimeout;
    private final SkillRunner skillRunner;
    private final java.util.function.Function<String, PastRevision> pastRevisions;

    public RunService(Config config, ContextService context, SkillRegistry skills, SkillRunner skillRunner,
                      WorkflowLibrary workflows, RunStore store, Journal journal, ModelGateway gateway, Clock clock) {
        this(config, context, skills, skillRunner, workflows, store, journal, gateway, clock,
                new OllamaProbe(config.models().ollamaBaseUrl(), clock));
    }

    /** @param ollama asks the Ollama server whether it answers (shared, so its cached answer is too) */
    public RunService(Config config, ContextService context, SkillRegistry skills, SkillRunner skillRunner,
                      WorkflowLibrary workflows, RunStore store, Journal journal, ModelGateway gateway, Clock clock,
                      OllamaProbe ollama) {
        this(config, context, skills, skillRunner, workflows, store, journal, gateway, clock, ollama, revision -> {
            throw new BrainTrustException.Conflict("this process keeps no history, so a run cannot be replayed on its revision");
        });
    }

    /**
     * @param ollama        asks the Ollama server whether it answers (shared, so its cached answer is too)
     * @param pastRevisions opens the revision a run recorded, for its replay (the history of the source of truth);
     *                      throws {@link BrainTrustException.NotFound} when the revision is unknown or pruned
     */
    public RunService(Config config, ContextService context, SkillRegistry skills, SkillRunner skillRunner,
                      WorkflowLibrary workflows, RunStore store, Journal journal, ModelGateway gateway, Clock clock,
                      OllamaProbe ollama, java.util.function.Function<String, PastRevision> pastRevisions) {
        this.skillRunner = skillRunner;
        this.pastRevisions = pastRevisions;
        this.config = config;
        this.ollama = ollama;
        this.context = context;
        this.workflows = workflows;
        this.store = store;
        this.journal = journal;
        this.clock = clock;
        this.router = new ModelRouter(config.models(), new ModelAliases(workflows::folder));
        this.gateway = gateway;
        this.redact = redactor(config);
        this.destinations = new ModelDestinations(config.models(), config.egress().localModelHosts());
        this.prices = new Prices.Cached(config.home().resolve(Prices.FILE));
        this.agents = agentRunner(new SkillTools(skills, skillRunner));
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
        this.approvalTimeout = config.automation().approvalTimeout();
        store.interruptedAtOpen().forEach(this::writeJournal);
        timer.scheduleWithFixedDelay(this::applyDecisionsMadeElsewhere, DECISION_POLL.toMillis(), DECISION_POLL.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    private AgentRunner agentRunner(SkillTools tools) {
        return new AgentRunner(gateway, tools, config.maxToolRounds(), config.models().maxRetries(),
                config.models().retryBackoff(), config.modelTimeout(), redactor(config),
                provider -> provider.baseUrl(config.models()));
    }

    /** How often a process looks for decisions on its waiting runs made by another process (a replica, the CLI). */
    static final Duration DECISION_POLL = Duration.ofSeconds(1);
    /** The longest note an approver may leave. */
    public static final int MAX_NOTE_CHARS = 10_000;

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
            list.add(new DryRun.Agent(agent.id(), agent.displayName(), route.model(), route.aliasOf(), route.provider(),
                    route.providerModel(), upstream, PromptComposer.compose(context.selection().snapshot(), agent.promptFields()),
                    task, context.share()));
        }
        problems.addAll(ollamaProblems(plan));
        return new DryRun(workflow.name(), snapshot.revision(), problems.isEmpty(), list, problems, plan.notes());
    }

    /** For a dry run: agents whose Ollama server does not answer, or lacks their model. */
    private List<String> ollamaProblems(WorkflowPlan plan) {
        Map<String, List<String>> users = new LinkedHashMap<>();
        plan.order().forEach(a -> {
            ModelRoute route = plan.routes().get(a.id());
            if (route.provider() == Provider.OLLAMA) {
                users.computeIfAbsent(route.providerModel(), m -> new ArrayList<>()).add(WorkflowPlan.label(a));
            }
        });
        if (users.isEmpty()) {
            return List.of();
        }
        OllamaProbe.Result probe = ollama.probe();
        List<String> problems = new ArrayList<>();
        if (!probe.answers()) {
            List<String> all = users.values().stream().flatMap(List::stream).toList();
            problems.add("the Ollama server at " + probe.baseUrl() + " (OLLAMA_BASE_URL) does not answer (" + String.join(", ", all)
                    + " use it): " + probe.problem() + "; start Ollama or set OLLAMA_BASE_URL to where it runs");
            return problems;
        }
        users.forEach((model, agents) -> {
            if (!probe.has(model)) {
                problems.add("the Ollama server at " + probe.baseUrl() + " has no model '" + model + "' (" + String.join(", ", agents)
                        + "): run 'ollama pull " + model + "'");
            }
        });
        return problems;
    }

    /** Which models can run now, and the default model's problem with the ways to fix it. */
    public ModelStatus models() {
        return ModelStatus.check(config.defaultModel(), router, ollama);
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
        plan.routes().values().stream().map(table::nameFor).distinct().sorted().forEach(model -> {
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
        return start(workflow, source, listener, null, agents);
    }

    /** As {@link #start(Workflow, String, Consumer)}, on a given snapshot (null: today's) and with the given skills. */
    private RunHandle start(Workflow workflow, String source, Consumer<RunEvent> listener, ContextSnapshot given,
                            AgentRunner agents) {
        WorkflowPlan plan = plan(workflow);
        plan.requireKeys();
        Prices table = prices.get();
        List<String> budgetProblems = budgetProblems(workflow, plan, table);
        if (!budgetProblems.isEmpty()) {
            throw new BrainTrustException.BadInput(String.join("; ", budgetProblems));
        }
        ContextSnapshot snapshot = given != null ? given : context.snapshot();
        AgentContexts contexts = new AgentContexts(snapshot, destinations);
        Map<String, String> prompts = new LinkedHashMap<>();
        Map<String, RunEgress.Agent> agentEgress = new LinkedHashMap<>();
        for (AgentNode a : plan.order()) {
            AgentContexts.Agent agentContext = contexts.of(plan.routes().get(a.id()));
            prompts.put(a.id(), PromptComposer.compose(agentContext.selection().snapshot(), a.promptFields()));
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
                config.maxParallel(), store, clock, hub::publish, approvalTimeout, this::armExpiry, egress);
        listeners.forEach(hub::subscribe);
        Map<String, List<ModelCallRecord.FileRef>> carried = new LinkedHashMap<>();
        agentEgress.forEach((node, e) -> carried.put(node, e.files()));
        store.insert(execution.snapshot(), definition(workflow), carried);
        CompletableFuture<RunRecord> done = track(id, execution, hub);
        execution.start();
        return new RunHandle(id, snapshot.revision(), done);
    }

    // ---- replays ------------------------------------------------------------------------

    /**
     * Runs a stored run's workflow again, as a new run (source {@code replay}) that names the run it replays: on
     * the context of the revision that run recorded (and, where the source of truth keeps them, that revision's
     * skills), or on today's context and skills, so the two outputs can be compared. The workflow is the one the
     * run stored.
     *
     * @param onToday  true to replay on today's context instead of the recorded revision's
     * @param listener receives every event of the replay; may be null
     * @throws BrainTrustException.NotFound when there is no such run
     * @throws BrainTrustException.Conflict when the run stored no workflow or no revision, or its revision is not in
     *                                      the history (never known, or pruned): never today's context instead
     */
    public RunHandle replay(String runId, boolean onToday, Consumer<RunEvent> listener) {
        RunRecord original = get(runId);
        Workflow workflow = storedWorkflow(runId);
        RunHandle handle;
        if (onToday) {
            handle = start(workflow, "replay", listener, null, agents);
        } else {
            if (original.revision() == null) {
                throw new BrainTrustException.Conflict("run " + runId + " recorded no context revision, so it cannot be replayed on "
                        + "its own; replay it on today's context (?revision=current, or 'brain-trust replay " + runId + " --current')");
            }
            PastRevision past;
            try {
                past = pastRevisions.apply(original.revision());
            } catch (BrainTrustException.NotFound e) {
                throw new BrainTrustException.Conflict("run " + runId + " was given the context revision " + original.revision()
                        + ", which is not in the history (" + e.getMessage() + "). Replay it on today's context instead: "
                        + "?revision=current, or 'brain-trust replay " + runId + " --current'");
            }
            try {
                AgentRunner runner = past.skillsFolder()
                        .map(folder -> agentRunner(new SkillTools(new SkillRegistry(() -> folder, config.contextTtl()), skillRunner)))
                        .orElse(agents);
                handle = start(workflow, "replay", listener, past.context(), runner);
            } catch (RuntimeException e) {
                past.close();
                throw e;
            }
            handle.result().whenComplete((record, error) -> past.close());
        }
        store.replays().record(new dev.braintrust.journal.ReplayLedger.Replay(handle.id(), runId,
                onToday ? dev.braintrust.journal.ReplayLedger.CURRENT : dev.braintrust.journal.ReplayLedger.RECORDED, clock.instant()));
        return handle;
    }

    /**
     * What a run replays, and its replays.
     *
     * @param replayOf the run this one replays, or null
     * @param replays  the replays of this run, oldest first
     */
    public record Replays(dev.braintrust.journal.ReplayLedger.Replay replayOf, List<dev.braintrust.journal.ReplayLedger.Replay> replays) {
    }

    /** @throws BrainTrustException.NotFound when there is no such run */
    public Replays replays(String runId) {
        get(runId);
        return new Replays(store.replays().of(runId).orElse(null), store.replays().replaysOf(runId));
    }

    /**
     * The workflow a run stored, as it ran.
     *
     * @throws BrainTrustException.NotFound when there is no such run
     * @throws BrainTrustException.Conflict when it stored none
     */
    public Workflow workflowOf(String runId) {
        get(runId);
        return storedWorkflow(runId);
    }

    private Workflow storedWorkflow(String runId) {
        String definition = store.definition(runId).orElseThrow(() -> new BrainTrustException.Conflict(
                "run " + runId + " stored no workflow, so it cannot be replayed"));
        try {
            return Json.mapper().readValue(definition, Workflow.class);
        } catch (JsonProcessingException e) {
            throw new BrainTrustException.Conflict("the stored workflow of run " + runId + " cannot be read: " + e.getOriginalMessage());
        }
    }

    /** Keeps a run of this process in view until it ends: its timeout, its journal entry. */
    private CompletableFuture<RunRecord> track(String id, RunExecution execution, EventHub hub) {
        armRunTimeout(id, execution, config.runTimeout());
        CompletableFuture<RunRecord> done = execution.result().whenComplete((record, error) -> {
            ScheduledFuture<?> timeout = timeouts.remove(id);
            if (timeout != null) {
                timeout.cancel(false);
            }
            writeJournal(record);
            active.remove(id);
        });
        active.put(id, new ActiveRun(execution, hub, done));
        return done;
    }

    /** BRAIN_TRUST_RUN_TIMEOUT counts the time agents work, not the time a run waits for a human. */
    private void armRunTimeout(String id, RunExecution execution, Duration after) {
        timeouts.put(id, timer.schedule(() -> {
            Duration left = config.runTimeout().minus(execution.workingTime());
            if (!left.isNegative() && !left.isZero() && !execution.isFinished()) {
                armRunTimeout(id, execution, left);
                return;
            }
            execution.stop(RunStatus.TIMED_OUT, "the run took longer than " + human(config.runTimeout())
                    + " (BRAIN_TRUST_RUN_TIMEOUT)");
        }, Math.max(1, after.toMillis()), TimeUnit.MILLISECONDS));
    }

    /** Receives the events of every run this process runs from now on (notifications, for one). */
    public void addListener(Consumer<RunEvent> listener) {
        listeners.add(Objects.requireNonNull(listener));
    }

    // ---- approvals -------------------------------------------------------------------------

    /**
     * Approves or rejects what a step waits for, with an optional note that reaches the next agent. The
     * decision is recorded once (a second decision, or one after the timeout, is refused); the process
     * running the run goes on with it at once, or within {@link #DECISION_POLL} when it is another process.
     * A waiting run whose process is gone is taken over and goes on in this one.
     *
     * @param by who decided: api, dashboard, cli
     * @return the run as it stands after the decision
     * @throws BrainTrustException.NotFound when there is no such run
     * @throws BrainTrustException.Conflict when the step waits for no approval (never did, or already decided)
     */
    public RunRecord decide(String runId, String step, boolean approve, String note, String by) {
        checkId(runId);
        if (note != null && note.length() > MAX_NOTE_CHARS) {
            throw new BrainTrustException.BadInput("the note is " + note.length() + " characters; at most " + MAX_NOTE_CHARS
                    + " are allowed");
        }
        RunRecord run = get(runId);
        ApprovalRecord pending = store.approvals().ofRun(runId).stream()
                .filter(a -> a.nodeId().equals(step) && a.pending()).findFirst()
                .orElseThrow(() -> new BrainTrustException.Conflict(run.steps().stream().anyMatch(st -> st.nodeId().equals(step))
                        ? "step '" + step + "' of run " + runId + " is not waiting for an approval (the run is " + run.status().label() + ")"
                        : "run " + runId + " has no step '" + step + "'; its steps are "
                        + String.join(", ", run.steps().stream().map(StepRecord::nodeId).toList())));
        String decision = approve ? ApprovalRecord.APPROVED : ApprovalRecord.REJECTED;
        String cleanNote = note == null || note.isBlank() ? null : note.strip();
        if (!store.approvals().decide(runId, step, pending.seq(), decision, cleanNote, by, clock.instant())) {
            throw new BrainTrustException.Conflict("step '" + step + "' of run " + runId + " was decided meanwhile");
        }
        ActiveRun active = this.active.get(runId);
        if (active != null) {
            active.execution.apply(step, pending.seq(), approve, cleanNote, by);
        } else if (store.adopt(runId)) {
            restore(runId);
        }
        return get(runId);
    }

    /** Every approval of a run, pending and decided, in the order they were asked. */
    public List<ApprovalRecord> approvals(String runId) {
        checkId(runId);
        get(runId);
        return store.approvals().ofRun(runId);
    }

    /** The notifications sent about a run, and how their delivery went. */
    public List<dev.braintrust.journal.NotificationRecord> notifications(String runId) {
        checkId(runId);
        return store.notifications().ofRun(runId);
    }

    /** Every approval waiting for a human, oldest first, across every process sharing the run database. */
    public List<ApprovalRecord> pendingApprovals() {
        return store.approvals().pending();
    }

    /**
     * Takes over the runs waiting for approvals whose process is gone (a restart, a replica that died) and
     * goes on with them here: their pending approvals wait again (with their timeouts), decisions made
     * meanwhile are applied. Called by a long-running process (the server) at start.
     *
     * @return the ids of the runs taken over
     */
    public List<String> resumeWaitingRuns() {
        List<String> resumed = new ArrayList<>();
        for (String id : store.orphanedWaitingRuns()) {
            if (!active.containsKey(id) && store.adopt(id)) {
                try {
                    restore(id);
                    resumed.add(id);
                } catch (RuntimeException e) {
                    log.warn("run {} waits for approval but cannot go on here: {}", id, e.getMessage());
                }
            }
        }
        if (!resumed.isEmpty()) {
            log.info("took over {} run(s) waiting for approval: {}", resumed.size(), String.join(", ", resumed));
        }
        return resumed;
    }

    private synchronized void restore(String id) {
        if (active.containsKey(id)) {
            return;
        }
        RunRecord record = get(id);
        Workflow workflow;
        try {
            workflow = Json.mapper().readValue(store.definition(id).orElseThrow(
                    () -> new BrainTrustException.NotFound("run " + id + " has no stored workflow")), Workflow.class);
        } catch (JsonProcessingException e) {
            throw new BrainTrustException.BadInput("the stored workflow of run " + id + " cannot be read: " + e.getOriginalMessage());
        }
        WorkflowPlan plan = plan(workflow);
        EventHub hub = new EventHub();
        listeners.forEach(hub::subscribe);
        RunExecution execution = RunExecution.restore(record, store.approvals().ofRun(id), plan, agents, pool,
                config.maxParallel(), store, clock, hub::publish, approvalTimeout, this::armExpiry, restoredEgress(record, workflow, plan));
        track(id, execution, hub);
        execution.resume();
    }

    /**
     * What a run taken over carries: each agent's files as stored when the run started (its system prompt
     * is the stored one, so its context is too), its destination as configured now, today's prices.
     */
    private RunEgress restoredEgress(RunRecord record, Workflow workflow, WorkflowPlan plan) {
        Map<String, List<ModelCallRecord.FileRef>> carried = store.contextFiles(record.id());
        Map<String, RunEgress.Agent> agentEgress = new LinkedHashMap<>();
        for (AgentNode a : plan.order()) {
            ContextShare share = record.steps().stream().filter(st -> st.nodeId().equals(a.id())).findFirst()
                    .map(StepRecord::context).orElse(null);
            agentEgress.put(a.id(), new RunEgress.Agent(destinations.of(plan.routes().get(a.id())), share,
                    carried.getOrDefault(a.id(), List.of())));
        }
        Prices table = prices.get();
        return new RunEgress(agentEgress, table,
                new Budgets(workflow.budget(), config.egress().dailyBudget(), this::spentToday, table), this::modelCalled);
    }

    private void armExpiry(ApprovalRecord approval) {
        long delay = Math.max(0, approval.expiresAt().toEpochMilli() - clock.millis());
        timer.schedule(() -> expire(approval), delay, TimeUnit.MILLISECONDS);
    }

    private void expire(ApprovalRecord approval) {
        try {
            String note = "nobody decided within " + human(approvalTimeout) + " (BRAIN_TRUST_APPROVAL_TIMEOUT)";
            if (store.approvals().decide(approval.runId(), approval.nodeId(), approval.seq(), ApprovalRecord.REJECTED, note,
                    "timeout", clock.instant())) {
                ActiveRun run = active.get(approval.runId());
                if (run != null) {
                    run.execution.apply(approval.nodeId(), approval.seq(), false, note, "timeout");
                }
            }
        } catch (RuntimeException e) {
            log.warn("run {}: the approval timeout of step {} failed: {}", approval.runId(), approval.nodeId(), e.getMessage());
        }
    }

    /** Applies decisions recorded by another process (a replica's API, the CLI) on the runs this one waits with. */
    private void applyDecisionsMadeElsewhere() {
        try {
            for (Map.Entry<String, ActiveRun> entry : active.entrySet()) {
                List<ApprovalRecord> waiting = entry.getValue().execution.pendingApprovals();
                if (waiting.isEmpty()) {
                    continue;
                }
                for (ApprovalRecord stored : store.approvals().ofRun(entry.getKey())) {
                    if (!stored.pending() && waiting.stream().anyMatch(w -> w.nodeId().equals(stored.nodeId()) && w.seq() == stored.seq())) {
                        entry.getValue().execution.apply(stored.nodeId(), stored.seq(), stored.approved(), stored.note(),
                                stored.decidedBy());
                    }
                }
            }
        } catch (RuntimeException e) {
            log.warn("looking for approval decisions failed: {}", e.getMessage());
        }
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
        if (record.status() == RunStatus.WAITING && store.adopt(id)) {
            restore(id);
            return cancel(id);
        }
        if (record.status() == RunStatus.RUNNING || record.status() == RunStatus.WAITING) {
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
        Workflow workflow = chat.asWorkflow();
        plan(workflow).requireKeys("the chat agent");
        RunRecord record = run(workflow, "chat", null);
        StepRecord step = record.steps().get(0);
        if (!record.succeeded()) {
            throw new BrainTrustException.Unavailable("the agent could not answer: "
                    + (step.error() != null ? step.error() : record.error()));
        }
        return new ChatReply(record.finalOutput(), step.agent(), step.model(), record.id(), record.revision());
    }

    // ---- calls from other tools (MCP, OpenAI-compatible clients) ---------------------------

    /**
     * Records a tool call made outside any agent (an MCP client running a skill or reading the
     * context) as a finished one-step run with its journal entry, so it is in the history like every run.
     *
     * @param source   who called, as recorded (for example {@code mcp:claude-code})
     * @param caller   the client's name, recorded as the step's agent
     * @param revision the context revision the call saw; null when it read none
     * @param call     the tool, its arguments, duration and outcome
     * @param output   everything the call returned
     * @param error    one line saying why it failed; null when it succeeded
     * @throws BrainTrustException.Unavailable when the run database cannot store it
     */
    public RunRecord recordToolCall(String source, String caller, String revision, ToolCallRecord call, String output,
                                    String error) {
        Instant finished = clock.instant();
        Instant started = finished.minusMillis(call.durationMs());
        RunStatus status = error == null ? RunStatus.SUCCEEDED : RunStatus.FAILED;
        StepRecord step = new StepRecord("tool", 0, caller, "(no model: a tool call)",
                error == null ? StepStatus.SUCCEEDED : StepStatus.FAILED, revision, null, call.arguments(), output,
                List.of(call), null, null, null, 0, started, finished, call.durationMs(), error);
        RunRecord record = new RunRecord(newRunId(), "tool " + call.tool() + " (" + source + ")", status, source, revision, 1, started, finished,
                call.durationMs(), output, error, List.of(step));
        store.insert(record, null);
        writeJournal(record);
        return record;
    }

    /**
     * One call to BRAIN_TRUST_DEFAULT_MODEL with exactly these messages: no context, no tools, no
     * retries, and nothing recorded. For a client's housekeeping (naming a chat, tagging it), which
     * should cost one cheap call rather than a run.
     *
     * @throws BrainTrustException.BadInput    when no provider serves the default model, or its key is missing
     * @throws BrainTrustException.Unavailable when the model call fails, or the day's budget is spent (the call is
     *                                         then not made; this call itself is not in the egress ledger)
     */
    public Completion plainCompletion(List<ChatTurn> turns) {
        dailyBudgetExhausted().ifPresent(why -> {
            throw new BrainTrustException.Unavailable(why + "; no model call is made until tomorrow");
        });
        String model = config.defaultModel();
        ModelRoute route = ModelRouter.route(model).orElseThrow(() -> new BrainTrustException.BadInput(
                "BRAIN_TRUST_DEFAULT_MODEL '" + model + "' is not a model name a provider serves: " + ModelRouter.NAMING_RULES));
        String missing = router.missingKey(route);
        if (missing != null) {
            throw new BrainTrustException.BadInput(route.provider().title() + " has no key: " + missing);
        }
        List<ChatMessage> messages = new ArrayList<>();
        for (ChatTurn turn : turns) {
            messages.add(switch (turn.role()) {
                case ChatTurn.SYSTEM -> SystemMessage.from(turn.text());
                case ChatTurn.ASSISTANT -> AiMessage.from(turn.text());
                default -> UserMessage.from(turn.text());
            });
        }
        ChatResponse response;
        try {
            response = gateway.chat(route, ChatRequest.builder().messages(messages).build());
        } catch (RuntimeException e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            throw new BrainTrustException.Unavailable(redact.apply(route.provider().title() + " call failed: "
                    + (root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage())), e);
        }
        String text = response.aiMessage() == null || response.aiMessage().text() == null ? "" : response.aiMessage().text();
        TokenUsage usage = response.tokenUsage();
        return new Completion(text, model, usage == null || usage.inputTokenCount() == null ? 0 : usage.inputTokenCount(),
                usage == null || usage.outputTokenCount() == null ? 0 : usage.outputTokenCount());
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
        if (run.status() == RunStatus.WAITING) {
            listener.accept(new RunEvent(RunEvent.Type.APPROVAL_REQUESTED, run.id(), run.startedAt(), null, null,
                    RunStatus.WAITING.label(), null, "the run waits for an approval", null));
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

    /**
     * Stops every run of this process: each ends {@code interrupted}, recorded in the database and the
     * journal, and its subscribers get its done event. Waits up to {@code grace} for that; a server
     * calls this before it stops serving, so that the event streams can still carry the end.
     *
     * @return how many runs were stopped
     */
    public int stopRuns(Duration grace) {
        List<CompletableFuture<RunRecord>> pending = new ArrayList<>();
        for (ActiveRun run : active.values()) {
            if (run.execution.suspend()) {
                continue; // it waits for a human: it stays waiting, and the next process to start goes on with it
            }
            run.execution.stop(RunStatus.INTERRUPTED, "Brain Trust stopped while the run was going on");
            pending.add(run.done);
        }
        try {
            CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get(grace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.warn("some runs did not finish stopping: {}", e.toString());
        }
        return pending.size();
    }

    /** Stops the runs of this process (they end interrupted) and the threads. */
    @Override
    public void close() {
        stopRuns(SHUTDOWN_GRACE);
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
