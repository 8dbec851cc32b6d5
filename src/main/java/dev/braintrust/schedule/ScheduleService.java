package dev.braintrust.schedule;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.braintrust.BrainTrustException;
import dev.braintrust.Config;
import dev.braintrust.Json;
import dev.braintrust.Secret;
import dev.braintrust.context.ContextService;
import dev.braintrust.context.ContextSnapshot;
import dev.braintrust.journal.ScheduleFire;
import dev.braintrust.journal.ScheduleLedger;
import dev.braintrust.journal.ScheduleState;
import dev.braintrust.workflow.RunHandle;
import dev.braintrust.workflow.RunService;
import dev.braintrust.workflow.WorkflowLibrary;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The public face of always-on agents: the schedules and triggers of the saved workflows (issue 17).
 *
 * <p><b>Schedules.</b> Each fire is computed from the last one recorded in the run database (or from when
 * the schedule was first seen), so a restart neither loses nor repeats one: fires missed while no server
 * ran are run once ({@code missed: run-once}, the run's source is {@code catch-up}) or recorded as skipped
 * ({@code skip}). A fire while the schedule's previous run still goes on is skipped or queued behind it
 * ({@code overlap}); a paused schedule records its fires as skipped. Every fire, run or skipped, is
 * recorded with why. Several replicas sharing one PostgreSQL database run each fire exactly once: a fire is
 * claimed by inserting its row, keyed by schedule and due time (see {@link ScheduleLedger}).
 *
 * <p><b>Triggers.</b> {@code context-changed} runs the workflow with the diff of the watched files as input
 * after an edit (local mode) or a sync (cloud mode), once the changes have been quiet for
 * BRAIN_TRUST_TRIGGER_DEBOUNCE; a change that comes while the trigger's own run goes on (or just after it)
 * is that run's output and is skipped, so a workflow that edits its own context never loops. Webhook
 * triggers run the workflow with the request's body as input, authenticated by their own secret.
 *
 * <p>At most BRAIN_TRUST_MAX_SCHEDULED_RUNS scheduled and triggered runs go on at once in this process;
 * further fires wait their turn (a webhook delivery is answered 429 instead).
 */
public final class ScheduleService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ScheduleService.class);
    /** The scheduler looks at least this often for changes it is not told about (another replica's pause, say). */
    static final Duration LONGEST_SLEEP = Duration.ofSeconds(1);
    /** Definitions are read again at least this often, even without an invalidation. */
    static final Duration DEFINITIONS_TTL = Duration.ofSeconds(60);
    static final int RECENT_FIRES = 20;
    static final int NEXT_FIRES = 5;
    private static final Instant NEVER = Instant.parse("9999-01-01T00:00:00Z");
    private static final int MAX_ON_TIME_PER_TICK = 1000;

    /** Kinds of fire, which are also the source recorded on the runs they start. */
    public static final String SCHEDULE = "schedule";
    public static final String CATCH_UP = "catch-up";
    public static final String MANUAL = "manual";
    public static final String CONTEXT_CHANGED = "context-changed";
    public static final String WEBHOOK = "webhook";
    /** Why a fire was skipped when the day's budget (BRAIN_TRUST_DAILY_BUDGET) was spent. */
    public static final String BUDGET = "budget";

    private final WorkflowLibrary workflows;
    private final ContextService context;
    private final Supplier<RunService> runs;
    private final Supplier<ScheduleLedger> ledger;
    private final Config.Automation settings;
    private final Clock clock;
    private final Instant createdAt;

    private final Object lock = new Object();
    private final Deque<Pending> queue = new ArrayDeque<>();
    private int activeRuns;
    private final Map<String, Instant> nextDue = new ConcurrentHashMap<>();
    /** The latest cron fire each schedule handled here (run, skipped, or claimed by another replica); read from the database once. */
    private final Map<String, Instant> lastHandled = new ConcurrentHashMap<>();
    private final java.util.concurrent.ExecutorService starter = java.util.concurrent.Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "scheduler-start");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, Instant[]> triggerRunWindows = new ConcurrentHashMap<>();

    private volatile Automations definitions;
    private volatile boolean definitionsDirty = true;
    private volatile long definitionsLoadedNanos;

    private volatile Instant startedAt;
    private volatile ContextSnapshot baseline;
    private volatile Instant firstChangeAt;
    private volatile long lastChangeNanos;

    private final Object wake = new Object();
    private boolean wakeRequested;
    private volatile boolean closed;
    private volatile Thread thread;
    private long lastAdoptionNanos = System.nanoTime();
    /** How often the server looks for waiting runs no live process runs, to take them over. */
    static final Duration ADOPT_EVERY = Duration.ofSeconds(30);

    /** A fire claimed by this process, waiting for a free slot (and, to queue behind a run, for that run to end). */
    private record Pending(String scheduleId, Instant fireAt, String kind, String workflow, String input, boolean afterOverlap) {
    }

    /**
     * @param runs   the run service, opened on first use
     * @param ledger the run database's record of fires, opened on first use
     */
    public ScheduleService(WorkflowLibrary workflows, ContextService context, Supplier<RunService> runs,
                           Supplier<ScheduleLedger> ledger, Config.Automation settings, Clock clock) {
        this.workflows = workflows;
        this.context = context;
        this.runs = runs;
        this.ledger = ledger;
        this.settings = settings;
        this.clock = clock;
        this.createdAt = clock.instant();
    }

    // ---- running -------------------------------------------------------------------------

    /**
     * Starts the scheduler thread: fires missed while no server ran are handled first (run once or skipped),
     * then every fire as it comes due. Call once, in a long-running process (the server).
     */
    public synchronized void start() {
        if (thread != null) {
            return;
        }
        startedAt = clock.instant();
        try {
            baseline = context.snapshot();
        } catch (BrainTrustException e) {
            log.debug("no context yet for the context-changed triggers: {}", e.getMessage());
        }
        thread = new Thread(this::loop, "scheduler");
        thread.setDaemon(true);
        thread.start();
    }

    /** Called on every invalidation of the context (a saved edit, a sync): definitions may have changed, and triggers may fire. */
    public void contextInvalidated() {
        definitionsDirty = true;
        lastChangeNanos = System.nanoTime();
        if (firstChangeAt == null) {
            firstChangeAt = clock.instant();
        }
        wakeUp();
    }

    private void loop() {
        while (!closed) {
            long sleepMs;
            try {
                sleepMs = tick();
            } catch (RuntimeException e) {
                log.warn("the scheduler's round failed (it tries again in a second): {}", e.getMessage());
                sleepMs = LONGEST_SLEEP.toMillis();
            }
            synchronized (wake) {
                if (!wakeRequested && !closed) {
                    try {
                        wake.wait(Math.max(1, sleepMs));
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                wakeRequested = false;
            }
        }
    }

    private void wakeUp() {
        synchronized (wake) {
            wakeRequested = true;
            wake.notifyAll();
        }
    }

    /**
     * One round: the due fires of every schedule, a context change that has been quiet long enough, and the
     * queue. Package-private so tests can drive it with their own clock.
     *
     * @return how long the scheduler may sleep before the next round, in milliseconds
     */
    long tick() {
        Instant now = clock.instant();
        Automations current = definitions();
        Instant soonest = now.plus(LONGEST_SLEEP);
        for (ScheduleSpec spec : current.schedules()) {
            Instant due = nextDue.get(spec.id());
            if (due == null || !due.isAfter(now)) {
                try {
                    due = fireDue(spec, now);
                } catch (RuntimeException e) {
                    log.warn("schedule {}: {}", spec.id(), e.getMessage());
                    due = now.plusSeconds(5);
                }
                nextDue.put(spec.id(), due);
            }
            if (due.isBefore(soonest)) {
                soonest = due;
            }
        }
        Instant change = firstChangeAt;
        if (change != null) {
            long quietNanos = System.nanoTime() - lastChangeNanos;
            long debounceNanos = settings.triggerDebounce().toNanos();
            if (quietNanos >= debounceNanos) {
                firstChangeAt = null;
                try {
                    contextChanged(change, current);
                } catch (RuntimeException e) {
                    log.warn("context-changed triggers: {}", e.getMessage());
                }
            } else {
                Instant quietAt = now.plusNanos(debounceNanos - quietNanos);
                if (quietAt.isBefore(soonest)) {
                    soonest = quietAt;
                }
            }
        }
        drainQueue();
        if (thread != null && System.nanoTime() - lastAdoptionNanos > ADOPT_EVERY.toNanos()) {
            lastAdoptionNanos = System.nanoTime();
            runs.get().resumeWaitingRuns(); // a run left waiting by a CLI process or a replica that died
        }
        return Math.max(1, Duration.between(clock.instant(), soonest).toMillis());
    }

    /** Handles the fires of one schedule that are due at {@code now}; returns when its next fire is due. */
    private Instant fireDue(ScheduleSpec spec, Instant now) {
        ScheduleLedger fires = ledger.get();
        ScheduleState state = fires.find(spec.id()).filter(st -> st.signature().equals(spec.signature()))
                .orElseGet(() -> fires.state(spec.id(), spec.signature(), now));
        Instant last = lastHandled.computeIfAbsent(spec.id(), id -> fires.lastCronFire(id).orElse(Instant.EPOCH));
        Instant base = last.isAfter(state.since()) ? last : state.since();
        Instant firstRound = startedAt != null ? startedAt : createdAt;
        long missed = 0;
        Instant firstMissed = null;
        Instant lastMissed = null;
        List<Instant> onTime = new ArrayList<>();
        Instant cursor = base;
        for (Optional<Instant> next = spec.cron().next(cursor); next.isPresent() && !next.get().isAfter(now);
             next = spec.cron().next(cursor)) {
            cursor = next.get();
            if (cursor.isBefore(firstRound)) {
                missed++;
                firstMissed = firstMissed == null ? cursor : firstMissed;
                lastMissed = cursor;
            } else if (onTime.size() < MAX_ON_TIME_PER_TICK) {
                onTime.add(cursor);
            } else {
                break;
            }
        }
        if (missed > 0) {
            String detail = missed + (missed == 1 ? " fire" : " fires") + " missed while no server was running ("
                    + (missed == 1 ? at(lastMissed, spec) : at(firstMissed, spec) + " to " + at(lastMissed, spec)) + ")";
            if (state.paused()) {
                skip(spec.id(), lastMissed, SCHEDULE, "paused", detail + "; the schedule is paused");
            } else if (ScheduleSpec.RUN_ONCE.equals(spec.missed())) {
                claimAndStart(spec, lastMissed, CATCH_UP, detail + "; run once now (missed: run-once)");
            } else {
                skip(spec.id(), lastMissed, SCHEDULE, "missed", detail + " (missed: skip)");
            }
        }
        for (Instant fire : onTime) {
            if (state.paused()) {
                skip(spec.id(), fire, SCHEDULE, "paused", "the schedule is paused");
            } else {
                claimAndStart(spec, fire, SCHEDULE, null);
            }
        }
        lastHandled.put(spec.id(), cursor);
        return spec.cron().next(cursor.isAfter(now) ? now : cursor).orElse(NEVER);
    }

    private void claimAndStart(ScheduleSpec spec, Instant fire, String kind, String detail) {
        ScheduleLedger fires = ledger.get();
        List<String> going = fires.activeRuns(spec.id());
        boolean queuedAlready = queued(spec.id());
        if (!going.isEmpty() || queuedAlready) {
            if (ScheduleSpec.SKIP.equals(spec.overlap())) {
                skip(spec.id(), fire, kind, "overlap", "run " + (going.isEmpty() ? "queued" : going.get(0))
                        + " of the fire before is still going on (overlap: skip)");
                return;
            }
            if (queuedAlready) {
                skip(spec.id(), fire, kind, "overlap", "a fire is already queued behind the run going on (overlap: queue)");
                return;
            }
        }
        boolean afterOverlap = !going.isEmpty();
        String why = afterOverlap ? join(detail, "queued behind run " + going.get(0) + " (overlap: queue)") : detail;
        if (fires.claim(new ScheduleFire(spec.id(), fire, kind, ScheduleFire.QUEUED, null, why, null, fires.owner(), clock.instant()))) {
            startOrQueue(new Pending(spec.id(), fire, kind, spec.workflow(), spec.input(), afterOverlap));
        }
    }

    private void skip(String id, Instant fire, String kind, String reason, String detail) {
        ScheduleLedger fires = ledger.get();
        if (fires.claim(new ScheduleFire(id, fire, kind, ScheduleFire.SKIPPED, reason, detail, null, fires.owner(), clock.instant()))) {
            log.info("{}: the fire of {} was skipped ({}): {}", id, fire, reason, detail);
        }
    }

    private boolean queued(String scheduleId) {
        synchronized (lock) {
            return queue.stream().anyMatch(p -> p.scheduleId().equals(scheduleId));
        }
    }

    private void startOrQueue(Pending pending) {
        synchronized (lock) {
            if (activeRuns >= settings.maxScheduledRuns() || pending.afterOverlap() || !queue.isEmpty()) {
                queue.add(pending);
                return;
            }
            activeRuns++;
        }
        launchSoon(pending);
    }

    /** Starts the run on the starter threads, so the fires due at the same moment start side by side. */
    private void launchSoon(Pending pending) {
        if (thread == null) {
            launch(pending); // no scheduler thread (tests drive the rounds): start it in the round
            return;
        }
        try {
            starter.execute(() -> launch(pending));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            launch(pending); // closing: start it here rather than lose a claimed fire
        }
    }

    /** Starts the queued fires that can start: a slot is free, and the run a fire queued behind has ended. */
    private void drainQueue() {
        while (true) {
            Pending next = null;
            synchronized (lock) {
                if (activeRuns >= settings.maxScheduledRuns()) {
                    return;
                }
                for (Pending p : queue) {
                    if (!p.afterOverlap() || ledger.get().activeRuns(p.scheduleId()).isEmpty()) {
                        next = p;
                        break;
                    }
                }
                if (next == null) {
                    return;
                }
                queue.remove(next);
                activeRuns++;
            }
            launchSoon(next);
        }
    }

    /**
     * Starts the run of a claimed fire (a slot is taken for it) and records it on the fire. When the day's
     * budget (BRAIN_TRUST_DAILY_BUDGET) is spent, the fire is recorded as skipped ({@code budget}, with the
     * numbers) instead: a run would only stop at its first model call.
     */
    private Optional<RunHandle> launch(Pending p) {
        try {
            RunService service = runs.get();
            Optional<String> spent = service.dailyBudgetExhausted();
            if (spent.isPresent()) {
                log.info("{}: the fire of {} was skipped (budget): {}", p.scheduleId(), p.fireAt(), spent.get());
                ledger.get().update(p.scheduleId(), p.fireAt(), ScheduleFire.SKIPPED, BUDGET, null, spent.get());
                synchronized (lock) {
                    activeRuns--;
                }
                return Optional.empty();
            }
            RunHandle handle = service.start(service.loadSaved(p.workflow()).withInput(p.input()), p.kind(), null);
            ledger.get().update(p.scheduleId(), p.fireAt(), ScheduleFire.STARTED, null, handle.id(), null);
            Instant[] window = triggerRunWindows.get(p.scheduleId());
            if (window != null) {
                window[0] = clock.instant();
                window[1] = null;
            }
            handle.result().whenComplete((record, error) -> ended(p));
            return Optional.of(handle);
        } catch (RuntimeException e) {
            log.warn("{}: the run of the fire at {} could not start: {}", p.scheduleId(), p.fireAt(), e.getMessage());
            try {
                ledger.get().update(p.scheduleId(), p.fireAt(), ScheduleFire.SKIPPED, "error", null,
                        "the run could not start: " + e.getMessage());
            } catch (RuntimeException again) {
                log.warn("{}: {}", p.scheduleId(), again.getMessage());
            }
            synchronized (lock) {
                activeRuns--;
            }
            return Optional.empty();
        }
    }

    private void ended(Pending p) {
        Instant[] window = triggerRunWindows.get(p.scheduleId());
        if (window != null) {
            window[1] = clock.instant();
        }
        synchronized (lock) {
            activeRuns--;
        }
        wakeUp();
        if (thread == null) {
            drainQueue(); // no scheduler thread (tests drive the rounds): start what waited here
        }
    }

    // ---- triggers --------------------------------------------------------------------------

    private void contextChanged(Instant firstSeen, Automations current) {
        List<TriggerSpec> triggers = current.triggers().stream().filter(t -> t.type() == TriggerSpec.Type.CONTEXT_CHANGED).toList();
        ContextSnapshot after;
        try {
            after = context.snapshot();
        } catch (BrainTrustException e) {
            return;
        }
        ContextSnapshot before = baseline;
        baseline = after;
        if (before == null || triggers.isEmpty() || java.util.Objects.equals(before.revision(), after.revision())) {
            return;
        }
        List<String> changed = ContextDiff.changedFiles(before, after);
        ScheduleLedger fires = ledger.get();
        for (TriggerSpec trigger : triggers) {
            List<String> watched = changed.stream().filter(trigger::watches).toList();
            if (watched.isEmpty()
                    || !fires.advance(trigger.id(), String.valueOf(before.revision()), String.valueOf(after.revision()), clock.instant())) {
                continue; // nothing it watches, or another replica took this change
            }
            Instant fireAt = uniqueNow();
            String files = String.join(", ", watched);
            if (ownOutput(trigger, firstSeen)) {
                skip(trigger.id(), fireAt, CONTEXT_CHANGED, "own-output", files + " changed while the run this trigger started "
                        + "was going on: that is its own output, so it does not fire again");
                continue;
            }
            String input = "The context changed (revision " + before.revision() + " → " + after.revision() + "). Changed: "
                    + files + ".\n\n```diff\n" + ContextDiff.unified(before, after, watched) + "```";
            if (fires.claim(new ScheduleFire(trigger.id(), fireAt, CONTEXT_CHANGED, ScheduleFire.QUEUED, null,
                    "changed: " + files, null, fires.owner(), clock.instant()))) {
                triggerRunWindows.putIfAbsent(trigger.id(), new Instant[2]);
                startOrQueue(new Pending(trigger.id(), fireAt, CONTEXT_CHANGED, trigger.workflow(), input, false));
            }
        }
    }

    /** A change first seen while the trigger's run went on, or within the debounce after it ended, is that run's output. */
    private boolean ownOutput(TriggerSpec trigger, Instant firstSeen) {
        if (!ledger.get().activeRuns(trigger.id()).isEmpty() || queued(trigger.id())) {
            return true;
        }
        Instant[] window = triggerRunWindows.get(trigger.id());
        if (window == null || window[0] == null) {
            return false;
        }
        Instant end = window[1] == null ? NEVER : window[1].plus(settings.triggerDebounce());
        return !firstSeen.isBefore(window[0]) && !firstSeen.isAfter(end);
    }

    /** What a webhook trigger answers: an HTTP status and a JSON body. */
    public record WebhookAnswer(int status, Map<String, Object> body) {
    }

    /**
     * Serves {@code POST /api/v1/triggers/<name>}: checks the trigger's own secret (BRAIN_TRUST_TRIGGER_SECRET_NAME),
     * given as {@code Authorization: Bearer <secret>}, {@code X-Trigger-Secret: <secret>}, or a signature of the
     * body, {@code X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>}, compared in constant time; then runs
     * every workflow with {@code {"webhook": "<name>"}} in its {@code "on"} list, the body (pretty-printed when it
     * is JSON) as input.
     *
     * @param headers request headers, looked up case-insensitively
     * @return 202 with the runs started; 401 or 403 for a missing or wrong secret; 404 for an unknown trigger; 503
     *         when the trigger has no secret configured; 429 when the scheduled runs are all going on
     */
    public WebhookAnswer webhook(String name, Map<String, String> headers, byte[] body) {
        String key = name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
        List<TriggerSpec> triggers = Automations.WEBHOOK_NAME.matcher(key).matches() ? definitions().triggers().stream()
                .filter(t -> t.type() == TriggerSpec.Type.WEBHOOK && t.webhook().equals(key)).toList() : List.of();
        Secret secret = Automations.WEBHOOK_NAME.matcher(key).matches() ? settings.triggerSecret(key) : null;
        if (secret == null) {
            return triggers.isEmpty()
                    ? answer(404, "no webhook trigger named '" + name + "': add {\"webhook\": \"" + key + "\"} to the \"on\" list of a "
                    + "saved workflow, and set " + Config.Automation.triggerVariable(key.isEmpty() ? "name" : key))
                    : answer(503, "the webhook trigger '" + key + "' has no secret: set " + Config.Automation.triggerVariable(key)
                    + " on the server (requests then send it as 'Authorization: Bearer <secret>' or sign the body)");
        }
        String refusal = refusal(secret, header(headers, "Authorization"), header(headers, "X-Trigger-Secret"),
                header(headers, "X-Hub-Signature-256"), body);
        if (refusal != null) {
            return answer(refusal.startsWith("missing") ? 401 : 403, refusal);
        }
        if (triggers.isEmpty()) {
            return answer(404, "no saved workflow has {\"webhook\": \"" + key + "\"} in its \"on\" list");
        }
        Optional<String> spent = runs.get().dailyBudgetExhausted();
        if (spent.isPresent()) {
            for (TriggerSpec trigger : triggers) {
                skip(trigger.id(), uniqueNow(), WEBHOOK, BUDGET, spent.get());
            }
            Map<String, Object> over = new LinkedHashMap<>();
            over.put("error", BUDGET);
            over.put("detail", spent.get() + "; no run starts until tomorrow");
            return new WebhookAnswer(429, over);
        }
        String input = inputOf(body);
        List<Map<String, Object>> started = new ArrayList<>();
        List<String> busy = new ArrayList<>();
        ScheduleLedger fires = ledger.get();
        for (TriggerSpec trigger : triggers) {
            Instant fireAt = uniqueNow();
            synchronized (lock) {
                if (activeRuns >= settings.maxScheduledRuns()) {
                    busy.add(trigger.workflow());
                    skip(trigger.id(), fireAt, WEBHOOK, "busy", "BRAIN_TRUST_MAX_SCHEDULED_RUNS (" + settings.maxScheduledRuns()
                            + ") scheduled and triggered runs were going on; the sender was told to try again");
                    continue;
                }
                activeRuns++;
            }
            fires.claim(new ScheduleFire(trigger.id(), fireAt, WEBHOOK, ScheduleFire.QUEUED, null, null, null, fires.owner(),
                    clock.instant()));
            Optional<RunHandle> handle = launch(new Pending(trigger.id(), fireAt, WEBHOOK, trigger.workflow(), input, false));
            Map<String, Object> run = new LinkedHashMap<>();
            run.put("workflow", trigger.workflow());
            run.put("runId", handle.map(RunHandle::id).orElse(null));
            run.put("run", handle.map(h -> "/api/v1/runs/" + h.id()).orElse(null));
            if (handle.isEmpty()) {
                run.put("error", "the run could not start; the Schedules page and the fire's record say why");
            }
            started.add(run);
        }
        if (started.isEmpty()) {
            Map<String, Object> tooMany = new LinkedHashMap<>();
            tooMany.put("error", "too_many_requests");
            tooMany.put("detail", "BRAIN_TRUST_MAX_SCHEDULED_RUNS (" + settings.maxScheduledRuns()
                    + ") scheduled and triggered runs are going on; try again later");
            return new WebhookAnswer(429, tooMany);
        }
        Map<String, Object> ok = new LinkedHashMap<>();
        ok.put("status", "started");
        ok.put("trigger", key);
        ok.put("runId", started.get(0).get("runId"));
        ok.put("runs", started);
        if (!busy.isEmpty()) {
            ok.put("busy", busy);
        }
        return new WebhookAnswer(202, ok);
    }

    private static String refusal(Secret secret, String authorization, String token, String signature, byte[] body) {
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return secret.matches(authorization.substring(7).strip()) ? null : "wrong secret in the Authorization header";
        }
        if (token != null) {
            return secret.matches(token.strip()) ? null : "wrong secret in the X-Trigger-Secret header";
        }
        if (signature != null) {
            String expected = "sha256=" + hmacHex(secret, body);
            return MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8),
                    signature.strip().toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8))
                    ? null : "wrong signature in X-Hub-Signature-256 (sha256=<hex HMAC-SHA256 of the raw body with the secret>)";
        }
        return "missing secret: send 'Authorization: Bearer <secret>', 'X-Trigger-Secret: <secret>' or "
                + "'X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>'";
    }

    static String hmacHex(Secret secret, byte[] body) {
        return HexFormat.of().formatHex(secret.newHmacSha256().doFinal(body));
    }

    private static String inputOf(byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8);
        if (text.isBlank()) {
            return null;
        }
        try {
            JsonNode json = Json.mapper().readTree(text);
            return "The webhook request's body:\n\n```json\n" + Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(json)
                    + "\n```";
        } catch (JsonProcessingException e) {
            return "The webhook request's body:\n\n" + text;
        }
    }

    private static String header(Map<String, String> headers, String name) {
        for (Map.Entry<String, String> e : headers.entrySet()) {
            if (e.getKey().equalsIgnoreCase(name)) {
                return e.getValue();
            }
        }
        return null;
    }

    private static WebhookAnswer answer(int status, String detail) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", status == 404 ? "not_found" : status == 503 ? "service_unavailable" : status == 401 ? "unauthorized" : "forbidden");
        body.put("detail", detail);
        return new WebhookAnswer(status, body);
    }

    // ---- managing schedules ----------------------------------------------------------------

    /**
     * Pauses or resumes a schedule, for every replica. Fires while paused are recorded as skipped (paused).
     *
     * @throws BrainTrustException.NotFound when no saved workflow declares a schedule with this id
     */
    public ScheduleView setPaused(String id, boolean paused, String by) {
        ScheduleSpec spec = spec(id);
        ScheduleLedger fires = ledger.get();
        fires.state(spec.id(), spec.signature(), clock.instant());
        fires.setPaused(spec.id(), paused, by, clock.instant());
        nextDue.remove(spec.id());
        wakeUp();
        return view(spec, fires, clock.instant());
    }

    /**
     * Runs a schedule's workflow now, with its input (source {@code manual}), whatever its overlap rule says.
     *
     * @throws BrainTrustException.NotFound when there is no such schedule
     * @throws BrainTrustException.BadInput when the workflow cannot run
     */
    public RunHandle runNow(String id) {
        ScheduleSpec spec = spec(id);
        ScheduleLedger fires = ledger.get();
        Instant fireAt = uniqueNow();
        while (!fires.claim(new ScheduleFire(spec.id(), fireAt, MANUAL, ScheduleFire.QUEUED, null, "run now", null, fires.owner(),
                clock.instant()))) {
            fireAt = fireAt.plusMillis(1);
        }
        synchronized (lock) {
            activeRuns++;
        }
        Pending pending = new Pending(spec.id(), fireAt, MANUAL, spec.workflow(), spec.input(), false);
        RunService service = runs.get();
        try {
            RunHandle handle = service.start(service.loadSaved(spec.workflow()).withInput(spec.input()), MANUAL, null);
            fires.update(spec.id(), fireAt, ScheduleFire.STARTED, null, handle.id(), null);
            handle.result().whenComplete((r, e) -> ended(pending));
            return handle;
        } catch (RuntimeException e) {
            synchronized (lock) {
                activeRuns--;
            }
            fires.update(spec.id(), fireAt, ScheduleFire.SKIPPED, "error", null, "the run could not start: " + e.getMessage());
            throw e;
        }
    }

    /** A manual or trigger fire's time: now, moved off the whole minute so it never takes a cron fire's key. */
    private Instant uniqueNow() {
        Instant now = clock.instant();
        return now.toEpochMilli() % 60_000 == 0 ? now.plusMillis(1) : now;
    }

    // ---- views ---------------------------------------------------------------------------

    /** One schedule as the Schedules page and {@code brain-trust schedules} show it. */
    public record ScheduleView(String id, String workflow, String cron, String timezone, String missed, String overlap,
                               String input, boolean paused, List<String> nextFires, List<ScheduleFire> recent) {
    }

    /** One trigger as the Schedules page shows it. */
    public record TriggerView(String id, String workflow, String type, List<String> files, String webhook, String url,
                              String secretVariable, boolean secretSet, List<ScheduleFire> recent) {
    }

    /**
     * Everything about the schedules and triggers.
     *
     * @param problems    declarations that are wrong, each naming its workflow
     * @param runningHere scheduled and triggered runs going on in this process
     * @param queuedHere  fires claimed here, waiting for a slot
     */
    public record Overview(List<ScheduleView> schedules, List<TriggerView> triggers, List<String> problems,
                           int maxScheduledRuns, int runningHere, int queuedHere, boolean schedulerRunning) {
    }

    public Overview overview() {
        Automations current = definitions();
        ScheduleLedger fires = ledger.get();
        Instant now = clock.instant();
        List<ScheduleView> schedules = current.schedules().stream().map(s -> view(s, fires, now)).toList();
        List<TriggerView> triggers = current.triggers().stream().map(t -> new TriggerView(t.id(), t.workflow(), t.type().label,
                t.files(), t.webhook(), t.webhook() == null ? null : "/api/v1/triggers/" + t.webhook(),
                t.webhook() == null ? null : Config.Automation.triggerVariable(t.webhook()),
                t.webhook() != null && settings.triggerSecret(t.webhook()) != null, fires.recent(t.id(), RECENT_FIRES))).toList();
        synchronized (lock) {
            return new Overview(schedules, triggers, current.problems(), settings.maxScheduledRuns(), activeRuns, queue.size(),
                    thread != null && !closed);
        }
    }

    /** One schedule, by id. */
    public ScheduleView schedule(String id) {
        return view(spec(id), ledger.get(), clock.instant());
    }

    /** The declarations that are wrong, each naming its workflow: for {@code brain-trust status}. */
    public List<String> problems() {
        return definitions().problems();
    }

    private ScheduleView view(ScheduleSpec s, ScheduleLedger fires, Instant now) {
        boolean paused = fires.find(s.id()).map(ScheduleState::paused).orElse(false);
        List<String> next = s.cron().next(now, NEXT_FIRES).stream().map(DateTimeFormatter.ISO_OFFSET_DATE_TIME::format).toList();
        return new ScheduleView(s.id(), s.workflow(), s.cron().expression(), s.cron().zone().getId(), s.missed(), s.overlap(),
                s.input(), paused, next, fires.recent(s.id(), RECENT_FIRES));
    }

    private ScheduleSpec spec(String id) {
        return definitions().schedules().stream().filter(s -> s.id().equals(id)).findFirst()
                .orElseThrow(() -> new BrainTrustException.NotFound("no schedule '" + id + "'; 'brain-trust schedules' lists them"));
    }

    private Automations definitions() {
        Automations current = definitions;
        if (current == null || definitionsDirty || System.nanoTime() - definitionsLoadedNanos > DEFINITIONS_TTL.toNanos()) {
            definitionsDirty = false;
            try {
                current = Automations.read(workflows);
            } catch (BrainTrustException e) {
                if (current == null) {
                    current = new Automations(List.of(), List.of(), List.of(e.getMessage()));
                }
            }
            definitions = current;
            definitionsLoadedNanos = System.nanoTime();
        }
        return current;
    }

    private static String at(Instant instant, ScheduleSpec spec) {
        return DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(instant.atZone(spec.cron().zone()));
    }

    private static String join(String a, String b) {
        return a == null ? b : a + "; " + b;
    }

    /** Stops the scheduler; runs it started go on until the run service stops them. Fires still queued stay recorded as queued. */
    @Override
    public void close() {
        closed = true;
        wakeUp();
        starter.shutdown();
        Thread t = thread;
        if (t != null) {
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
