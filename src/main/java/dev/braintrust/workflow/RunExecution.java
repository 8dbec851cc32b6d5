package dev.braintrust.workflow;

import dev.braintrust.journal.ModelCallRecord;
import dev.braintrust.journal.ApprovalRecord;
import dev.braintrust.journal.RunRecord;
import dev.braintrust.journal.RunStatus;
import dev.braintrust.journal.RunStore;
import dev.braintrust.journal.StepRecord;
import dev.braintrust.journal.StepStatus;
import dev.braintrust.journal.ToolCallRecord;
import dev.langchain4j.model.output.TokenUsage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * One run of a workflow over its DAG. An agent starts when all its upstream agents succeeded;
 * at most {@code maxParallel} agents run at once; a failed agent fails (skips) its descendants
 * only; {@link #stop} cancels what is running and waiting. Every state change is saved to the
 * run database and sent as an event, in order, under one lock; only the agents' work (model
 * and tool calls) runs outside it.
 *
 * <p>Approvals: a step can park for a human ({@link StepStatus#AWAITING_APPROVAL}) before it runs, after it
 * ran, or before a skill call; no thread waits meanwhile, and the run's status is {@link RunStatus#WAITING}
 * while any step is parked. {@link #apply} carries on with the decision. Everything needed to go on is in the
 * run database, so {@link #restore} rebuilds a waiting run in another process (after a restart).
 */
final class RunExecution {
    /** Told when a step parks for a human, so its timeout can be armed. */
    interface ApprovalListener {
        void requested(ApprovalRecord approval);
    }

    private static final Logger log = LoggerFactory.getLogger(RunExecution.class);

    private final String runId;
    private final String source;
    private final WorkflowPlan plan;
    private final String revision;
    private final AgentRunner runner;
    private final ExecutorService pool;
    private final int maxParallel;
    private final RunStore store;
    private final Clock clock;
    private final Consumer<RunEvent> events;
    private final Map<String, Node> nodes = new LinkedHashMap<>();
    private final Deque<Node> ready = new ArrayDeque<>();
    private final CompletableFuture<RunRecord> result = new CompletableFuture<>();
    private final Instant startedAt;
    private final long startNanos;
    private final RunEgress egress;
    private final Duration approvalTimeout;
    private final ApprovalListener approvalListener;
    private int running;
    private boolean finished;
    private int callSeq;
    private long countedTokens;
    private double countedCost;
    /** Why the run stops at its next model call (a budget would be exceeded); null while it may go on. */
    private String budgetStop;
    private RunStatus liveStatus = RunStatus.RUNNING;
    private long waitedNanos;
    private long waitingSinceNanos = -1;
    /** The first write the run database refused; the run then fails with it (a lost step is never silent). */
    private String storeFailure;

    RunExecution(String runId, String source, WorkflowPlan plan, Map<String, String> systemPrompts, String revision,
                 AgentRunner runner, ExecutorService pool, int maxParallel, RunStore store, Clock clock,
                 Consumer<RunEvent> events, Duration approvalTimeout, ApprovalListener approvalListener, RunEgress egress) {
        this(runId, source, plan, systemPrompts, revision, runner, pool, maxParallel, store, clock, events, approvalTimeout,
                approvalListener, egress, clock.instant(), System.nanoTime());
    }

    private RunExecution(String runId, String source, WorkflowPlan plan, Map<String, String> systemPrompts, String revision,
                         AgentRunner runner, ExecutorService pool, int maxParallel, RunStore store, Clock clock,
                         Consumer<RunEvent> events, Duration approvalTimeout, ApprovalListener approvalListener,
                         RunEgress egress, Instant startedAt, long startNanos) {
        this.approvalTimeout = approvalTimeout;
        this.approvalListener = approvalListener;
        this.runId = runId;
        this.source = source;
        this.plan = plan;
        this.revision = revision;
        this.runner = runner;
        this.pool = pool;
        this.maxParallel = maxParallel;
        this.store = store;
        this.clock = clock;
        this.events = events;
        this.startedAt = startedAt;
        this.startNanos = startNanos;
        this.egress = egress;
        int position = 0;
        for (AgentNode agent : plan.order()) {
            nodes.put(agent.id(), new Node(agent, position++, plan.routes().get(agent.id()), systemPrompts.get(agent.id()),
                    plan.upstream().get(agent.id()).size(), egress.agents().get(agent.id())));
        }
    }

    String runId() {
        return runId;
    }

    CompletableFuture<RunRecord> result() {
        return result;
    }

    /**
     * Rebuilds a stored run that waits for approvals, to go on in this process: finished steps keep their
     * results, parked steps their pending approval, and steps that were running when their process stopped
     * run again. The model calls made so far count against the workflow's budget. Call {@link #resume} next.
     */
    static RunExecution restore(RunRecord record, List<ApprovalRecord> approvals, WorkflowPlan plan, AgentRunner runner,
                                ExecutorService pool, int maxParallel, RunStore store, Clock clock,
                                Consumer<RunEvent> events, Duration approvalTimeout, ApprovalListener listener, RunEgress egress) {
        Map<String, String> prompts = new LinkedHashMap<>();
        record.steps().forEach(st -> prompts.put(st.nodeId(), st.systemPrompt()));
        long ageNanos = Duration.between(record.startedAt(), clock.instant()).toNanos();
        RunExecution run = new RunExecution(record.id(), record.source(), plan, prompts, record.revision(), runner, pool,
                maxParallel, store, clock, events, approvalTimeout, listener, egress, record.startedAt(), System.nanoTime() - ageNanos);
        synchronized (run) {
            for (StepRecord step : record.steps()) {
                Node node = run.nodes.get(step.nodeId());
                if (node != null) {
                    node.restore(step, approvals.stream().filter(a -> a.nodeId().equals(step.nodeId())).toList());
                }
                for (ModelCallRecord call : step.modelCalls()) {
                    run.callSeq = Math.max(run.callSeq, call.seq());
                    run.count(call);
                }
            }
            for (Node node : run.nodes.values()) {
                node.pendingUpstream = (int) plan.upstream().get(node.agent.id()).stream()
                        .filter(up -> run.nodes.get(up).status != StepStatus.SUCCEEDED).count();
            }
        }
        return run;
    }

    /** Goes on with a restored run: the steps whose upstream steps all succeeded start (or park again). */
    synchronized void resume() {
        emit(RunEvent.Type.RUN_STARTED, null, RunStatus.WAITING.label(), null, plan.workflow().name(), null);
        List<Node> decidedMeanwhile = new ArrayList<>();
        for (Node node : nodes.values()) {
            if (node.status == StepStatus.WAITING && node.pendingUpstream == 0) {
                ready.add(node);
            }
            if (node.deferred != null) {
                decidedMeanwhile.add(node);
            } else if (node.pending != null) {
                approvalListener.requested(node.pending);
            }
        }
        updateLiveStatus();
        for (Node node : decidedMeanwhile) {
            ApprovalRecord decided = node.deferred;
            node.deferred = null;
            apply(node.agent.id(), decided.seq(), decided.approved(), decided.note(), decided.decidedBy());
        }
        if (finished) {
            return;
        }
        if (nodes.values().stream().allMatch(n -> n.status.finished())) {
            finish(outcome(), null);
        } else {
            pump();
        }
    }

    /** The approvals this run waits for now, one per parked step. */
    synchronized List<ApprovalRecord> pendingApprovals() {
        return nodes.values().stream().filter(n -> n.pending != null).map(n -> n.pending).toList();
    }

    /** How long agents have been at work: the time since the start, less the time spent waiting for a human with nothing running. */
    synchronized Duration workingTime() {
        long waited = waitedNanos + (waitingSinceNanos >= 0 ? System.nanoTime() - waitingSinceNanos : 0);
        return Duration.ofNanos(System.nanoTime() - startNanos - waited);
    }

    synchronized boolean isFinished() {
        return finished;
    }

    /**
     * Carries on with a human's decision on a parked step: approved, the step runs (before), its output goes
     * on (after) or the skill call runs (tool); rejected, the step ends rejected and the steps after it are
     * skipped, except for a skill call, whose refusal goes back to the model. The note reaches the next agent.
     * The decision is already recorded in the run database; a decision on anything but the step's pending
     * approval is ignored (it was applied, or the run stopped).
     */
    synchronized boolean apply(String nodeId, int seq, boolean approved, String note, String by) {
        Node node = nodes.get(nodeId);
        if (finished || node == null || node.pending == null || node.pending.seq() != seq) {
            return false;
        }
        ApprovalRecord approval = node.pending;
        node.pending = null;
        emit(RunEvent.Type.APPROVAL_DECIDED, node, approved ? ApprovalRecord.APPROVED : ApprovalRecord.REJECTED, null,
                note == null || note.isBlank() ? "decided by " + by : note, null);
        String cleanNote = note == null || note.isBlank() ? null : note.strip();
        Instant now = clock.instant();
        switch (approval.kind()) {
            case ApprovalRecord.BEFORE -> {
                if (approved) {
                    node.beforeApproved = true;
                    if (cleanNote != null) {
                        node.task = node.task + "\n\n---\n\n# NOTE FROM THE HUMAN WHO APPROVED THIS STEP\n\n" + cleanNote;
                    }
                    node.status = StepStatus.WAITING;
                    ready.add(node);
                } else {
                    reject(node, by, cleanNote, now);
                }
            }
            case ApprovalRecord.AFTER -> {
                if (approved) {
                    node.afterApproved = true;
                    node.afterNote = cleanNote;
                    node.status = StepStatus.RUNNING; // succeed() ends it as it ends a step that just finished
                    succeed(node, node.output, now);
                } else {
                    reject(node, by, cleanNote, now);
                }
            }
            default -> {
                node.resumeWith = new Resume(AgentRunner.Checkpoint.fromJson(approval.checkpoint()), approved, cleanNote);
                node.status = StepStatus.WAITING;
                ready.add(node);
            }
        }
        save(node);
        updateLiveStatus();
        if (nodes.values().stream().allMatch(n -> n.status.finished())) {
            finish(outcome(), null);
        } else {
            pump();
        }
        return true;
    }

    /**
     * Stops this process's work on a run that waits for a human, without ending it: running agents are
     * interrupted and will run again, parked steps stay parked, the run stays waiting in the database for
     * the next process to take over. Returns false (and does nothing) when no step is parked.
     */
    synchronized boolean suspend() {
        if (finished || nodes.values().stream().noneMatch(n -> n.pending != null)) {
            return false;
        }
        finished = true;
        for (Node node : nodes.values()) {
            if (node.status == StepStatus.RUNNING) {
                if (node.future != null) {
                    node.future.cancel(true);
                }
                node.status = StepStatus.WAITING;
                node.toolCalls.clear();
                save(node);
            }
        }
        running = 0;
        ready.clear();
        return true;
    }

    /** The run as it stands, for storing before it starts. */
    synchronized RunRecord snapshot() {
        return record(RunStatus.RUNNING, null, (Long) null, null, null);
    }

    /** Starts the agents that depend on nothing. */
    synchronized void start() {
        emit(RunEvent.Type.RUN_STARTED, null, RunStatus.RUNNING.label(), null, plan.workflow().name(), null);
        for (Node node : nodes.values()) {
            if (node.pendingUpstream == 0) {
                ready.add(node);
            }
        }
        pump();
        failIfUnstored();
    }

    /** After a state change whose write failed: the run stops, failed, saying what the database refused. */
    private void failIfUnstored() {
        if (storeFailure != null && !finished) {
            stop(RunStatus.FAILED, storeFailure);
        }
    }

    /**
     * Stops the run: running agents are interrupted, waiting ones will not start; the run ends
     * with {@code status}. Does nothing when the run has already finished.
     */
    synchronized void stop(RunStatus status, String reason) {
        if (finished) {
            return;
        }
        Instant now = clock.instant();
        for (Node node : nodes.values()) {
            if (node.status == StepStatus.RUNNING) {
                running--;
                if (node.future != null) {
                    node.future.cancel(true);
                }
                node.end(StepStatus.CANCELLED, null, "stopped while running: " + reason, now);
            } else if (node.status == StepStatus.WAITING) {
                node.end(StepStatus.CANCELLED, null, "not started: " + reason, now);
            } else if (node.status == StepStatus.AWAITING_APPROVAL) {
                closeApproval(node, reason, now);
                node.end(StepStatus.CANCELLED, node.output, "stopped while waiting for approval: " + reason, now);
            } else {
                continue;
            }
            save(node);
            emitFinished(node);
        }
        ready.clear();
        finish(status, reason);
    }

    private void pump() {
        while (!finished && budgetStop == null && running < maxParallel && !ready.isEmpty()) {
            launch(ready.poll());
        }
    }

    private void launch(Node node) {
        if (node.task == null) {
            List<TaskComposer.Input> inputs = new ArrayList<>();
            for (String up : plan.upstream().get(node.agent.id())) {
                Node upstream = nodes.get(up);
                inputs.add(new TaskComposer.Input(upstream.agent.displayName(), upstream.carried()));
            }
            node.task = TaskComposer.compose(node.agent, inputs);
        }
        if (node.upstream.isEmpty()) {
            for (String up : plan.upstream().get(node.agent.id())) {
                Node upstream = nodes.get(up);
                String carried = upstream.carried();
                node.upstream.add(new ModelCallRecord.UpstreamRef(up, upstream.agent.displayName(),
                        carried == null ? 0 : carried.strip().getBytes(StandardCharsets.UTF_8).length));
            }
        }
        if (AgentNode.APPROVE_BEFORE.equals(node.agent.approval()) && !node.beforeApproved) {
            park(node, ApprovalRecord.BEFORE, node.task, null);
            return;
        }
        node.status = StepStatus.RUNNING;
        if (node.startedAt == null) {
            node.startedAt = clock.instant();
            node.startNanos = System.nanoTime();
        }
        running++;
        updateLiveStatus();
        save(node);
        emit(RunEvent.Type.NODE_STARTED, node, StepStatus.RUNNING.label(), null, node.route.describe(), null);
        node.future = pool.submit(() -> work(node));
    }

    private void work(Node node) {
        String output = null;
        Throwable failure = null;
        try {
            Resume resume = node.resumeWith;
            output = resume == null ? runner.run(node.route, node.systemPrompt, node.task, node)
                    : runner.resume(node.route, resume.checkpoint(), resume.approved(), resume.note(), node);
        } catch (Throwable t) {
            failure = t;
        }
        completed(node, output, failure);
    }

    private synchronized void completed(Node node, String output, Throwable failure) {
        if (finished || node.status != StepStatus.RUNNING) {
            return; // stopped meanwhile: the step was already recorded as cancelled
        }
        running--;
        node.resumeWith = null;
        Instant now = clock.instant();
        if (failure instanceof BudgetExceeded) {
            node.end(StepStatus.CANCELLED, null, "stopped before its next model call: " + failure.getMessage(), now);
            save(node);
            emitFinished(node);
        } else if (failure instanceof AgentRunner.ApprovalNeeded pause) {
            park(node, ApprovalRecord.TOOL, pause.subject, pause.checkpoint.toJson());
        } else if (failure == null && AgentNode.APPROVE_AFTER.equals(node.agent.approval()) && !node.afterApproved) {
            node.output = output;
            park(node, ApprovalRecord.AFTER, output, null);
        } else if (failure == null) {
            succeed(node, output, now);
        } else {
            node.end(StepStatus.FAILED, null, failureMessage(failure), now);
            save(node);
            emitFinished(node);
            skipDescendants(node, now);
        }
        updateLiveStatus();
        if (storeFailure != null) {
            failIfUnstored();
        } else if (budgetStop != null) {
            if (running == 0) {
                stop(RunStatus.BUDGET, budgetStop); // the agents still waiting would each need a model call
            }
        } else if (nodes.values().stream().allMatch(n -> n.status.finished())) {
            finish(outcome(), null);
        } else {
            pump();
            failIfUnstored();
        }
    }

    private void succeed(Node node, String output, Instant now) {
        node.end(StepStatus.SUCCEEDED, output, null, now);
        save(node);
        emitFinished(node);
        for (String down : plan.downstream().get(node.agent.id())) {
            Node next = nodes.get(down);
            if (--next.pendingUpstream == 0 && next.status == StepStatus.WAITING) {
                ready.add(next);
            }
        }
    }

    private RunStatus outcome() {
        if (nodes.values().stream().anyMatch(n -> n.status == StepStatus.REJECTED)) {
            return RunStatus.REJECTED;
        }
        return nodes.values().stream().anyMatch(n -> n.status == StepStatus.FAILED) ? RunStatus.FAILED : RunStatus.SUCCEEDED;
    }

    /** Parks a step for a human: records what is to be approved, tells the listener, and says so in an event. */
    private void park(Node node, String kind, String subject, String checkpoint) {
        Instant now = clock.instant();
        node.status = StepStatus.AWAITING_APPROVAL;
        node.pending = new ApprovalRecord(runId, node.agent.id(), ++node.approvalSeq, kind, subject == null ? "" : subject,
                checkpoint, now, now.plus(approvalTimeout), null, null, null, null);
        try {
            store.approvals().insert(node.pending);
        } catch (RuntimeException e) {
            log.warn("run {}: {}", runId, e.getMessage());
        }
        save(node);
        updateLiveStatus();
        emit(RunEvent.Type.APPROVAL_REQUESTED, node, StepStatus.AWAITING_APPROVAL.label(), null,
                kind + ": " + ToolCallRecord.excerpt(node.pending.subject(), 500), null);
        approvalListener.requested(node.pending);
    }

    private void reject(Node node, String by, String note, Instant now) {
        String who = "timeout".equals(by) ? "rejected: nobody decided in time (BRAIN_TRUST_APPROVAL_TIMEOUT)" : "rejected by a human";
        node.end(StepStatus.REJECTED, node.output, who + (note == null || "timeout".equals(by) ? "" : ": " + note), now);
        save(node);
        emitFinished(node);
        skipDescendants(node, now);
    }

    private void closeApproval(Node node, String reason, Instant now) {
        ApprovalRecord approval = node.pending;
        node.pending = null;
        try {
            store.approvals().decide(runId, approval.nodeId(), approval.seq(), "cancelled", reason, "system", now);
        } catch (RuntimeException e) {
            log.warn("run {}: {}", runId, e.getMessage());
        }
    }

    /** Running while no step is parked, waiting while one is; the database and the waiting time follow. */
    private void updateLiveStatus() {
        boolean parked = nodes.values().stream().anyMatch(n -> n.pending != null);
        boolean idle = parked && running == 0;
        if (idle && waitingSinceNanos < 0) {
            waitingSinceNanos = System.nanoTime();
        } else if (!idle && waitingSinceNanos >= 0) {
            waitedNanos += System.nanoTime() - waitingSinceNanos;
            waitingSinceNanos = -1;
        }
        RunStatus now = parked ? RunStatus.WAITING : RunStatus.RUNNING;
        if (now != liveStatus && !finished) {
            liveStatus = now;
            try {
                store.setStatus(runId, now);
            } catch (RuntimeException e) {
                log.warn("run {}: {}", runId, e.getMessage());
            }
        }
    }

    private void skipDescendants(Node failed, Instant now) {
        Deque<String> todo = new ArrayDeque<>(plan.downstream().get(failed.agent.id()));
        while (!todo.isEmpty()) {
            Node node = nodes.get(todo.poll());
            if (node.status != StepStatus.WAITING) {
                continue;
            }
            node.end(StepStatus.SKIPPED, null, "not run: the agent " + WorkflowPlan.label(failed.agent)
                    + " it depends on " + (failed.status == StepStatus.REJECTED ? "was rejected" : "failed"), now);
            ready.remove(node);
            save(node);
            emitFinished(node);
            todo.addAll(plan.downstream().get(node.agent.id()));
        }
    }

    private static String failureMessage(Throwable failure) {
        if (failure instanceof AgentFailure || failure instanceof dev.braintrust.BrainTrustException) {
            return failure.getMessage();
        }
        if (failure instanceof AgentRunner.CancelledException) {
            return "stopped";
        }
        log.warn("an agent failed unexpectedly", failure);
        return "unexpected " + failure.getClass().getSimpleName() + (failure.getMessage() == null ? "" : ": " + failure.getMessage());
    }

    private void finish(RunStatus status, String reason) {
        updateLiveStatus();
        finished = true;
        List<Node> sinks = plan.sinks().stream().map(a -> nodes.get(a.id()))
                .filter(n -> n.status == StepStatus.SUCCEEDED).toList();
        String finalOutput;
        if (sinks.isEmpty()) {
            finalOutput = null;
        } else if (sinks.size() == 1) {
            finalOutput = sinks.get(0).output;
        } else {
            finalOutput = sinks.stream().map(n -> "## " + n.agent.displayName() + "\n" + (n.output == null ? "" : n.output.strip()))
                    .collect(Collectors.joining("\n\n"));
        }
        String error = switch (status) {
            case SUCCEEDED -> null;
            case FAILED -> {
                if (reason != null) {
                    yield reason;
                }
                List<Node> failed = nodes.values().stream().filter(n -> n.status == StepStatus.FAILED).toList();
                yield failed.size() + (failed.size() == 1 ? " agent" : " agents") + " failed: " + failed.stream()
                        .map(n -> n.agent.displayName() + ": " + n.error).collect(Collectors.joining("; "));
            }
            case REJECTED -> nodes.values().stream().filter(n -> n.status == StepStatus.REJECTED)
                    .map(n -> n.agent.displayName() + " " + n.error).collect(Collectors.joining("; "));
            default -> reason;
        };
        Instant now = clock.instant();
        long durationMs = (System.nanoTime() - startNanos) / 1_000_000;
        if (storeFailure != null && status != RunStatus.FAILED) {
            status = RunStatus.FAILED; // stopped (cancelled, timed out) after a lost write: the write is the news
            error = storeFailure + (error == null ? "" : "; " + error);
        }
        RunRecord record = record(status, now, Long.valueOf(durationMs), finalOutput, error);
        try {
            store.finish(record);
        } catch (RuntimeException e) {
            log.error("run {}: its end could not be recorded: {}", runId, e.getMessage());
            record = record(RunStatus.FAILED, now, Long.valueOf(durationMs), finalOutput,
                    (error == null ? "" : error + "; ") + "the run database could not record the end of the run: " + e.getMessage());
        }
        emit(RunEvent.Type.DONE, null, status.label(), durationMs,
                error != null ? error : finalOutput == null ? null : ToolCallRecord.excerpt(finalOutput, 500), null);
        result.complete(record);
    }

    private RunRecord record(RunStatus status, Instant finishedAt, Long durationMs, String finalOutput, String error) {
        List<StepRecord> steps = nodes.values().stream().map(Node::record).toList();
        return new RunRecord(runId, plan.workflow().name(), status, source, revision, nodes.size(), startedAt,
                finishedAt, durationMs, finalOutput, error, steps);
    }

    private void save(Node node) {
        try {
            store.saveStep(runId, node.record());
        } catch (RuntimeException e) {
            log.error("run {}: {}", runId, e.getMessage());
            if (storeFailure == null) {
                storeFailure = "the run database did not store the step of " + node.agent.displayName() + ": " + e.getMessage();
            }
        }
    }

    private void emitFinished(Node node) {
        emit(RunEvent.Type.NODE_FINISHED, node, node.status.label(), node.durationMs, node.error, null);
    }

    private void emit(RunEvent.Type type, Node node, String status, Long durationMs, String detail, ToolCallRecord call) {
        RunEvent event = new RunEvent(type, runId, clock.instant(), node == null ? null : node.agent.id(),
                node == null ? null : node.agent.displayName(), status, durationMs, detail, call);
        try {
            events.accept(event);
        } catch (RuntimeException e) {
            log.warn("run {}: a subscriber failed on {}: {}", runId, type.label(), e.toString());
        }
    }

    /** Adds a call to what the run has used, for its budget (a call that never left the machine costs nothing). */
    private void count(ModelCallRecord call) {
        if (!call.outcome().equals(ModelCallRecord.NOT_SENT)) {
            countedTokens += call.countedTokens();
            countedCost += call.countedCost() == null ? 0 : call.countedCost();
        }
    }

    /** How a step parked before a skill call goes on: the conversation so far and the human's decision. */
    private record Resume(AgentRunner.Checkpoint checkpoint, boolean approved, String note) {
    }

    /** The mutable state of one agent during the run; guarded by the execution's lock. */
    private final class Node implements AgentRunner.Progress {
        final AgentNode agent;
        final int position;
        final ModelRoute route;
        final String systemPrompt;
        int pendingUpstream;
        StepStatus status = StepStatus.WAITING;
        String task;
        String output;
        String error;
        final List<ToolCallRecord> toolCalls = new ArrayList<>();
        final RunEgress.Agent egress;
        final List<ModelCallRecord.UpstreamRef> upstream = new ArrayList<>();
        final List<ModelCallRecord> calls = new ArrayList<>();
        int attempts;
        Instant startedAt;
        Instant finishedAt;
        long startNanos;
        Long durationMs;
        Future<?> future;
        ApprovalRecord pending;
        int approvalSeq;
        boolean beforeApproved;
        boolean afterApproved;
        String afterNote;
        Resume resumeWith;

        Node(AgentNode agent, int position, ModelRoute route, String systemPrompt, int pendingUpstream, RunEgress.Agent egress) {
            this.agent = agent;
            this.position = position;
            this.route = route;
            this.systemPrompt = systemPrompt;
            this.pendingUpstream = pendingUpstream;
            this.egress = egress;
        }

        void end(StepStatus newStatus, String newOutput, String newError, Instant at) {
            status = newStatus;
            output = newOutput;
            error = newError;
            finishedAt = at;
            if (startedAt != null) {
                durationMs = (System.nanoTime() - startNanos) / 1_000_000;
            }
        }

        /** Takes the stored state of the step; a step that was running when its process stopped will run again. */
        void restore(StepRecord step, List<ApprovalRecord> approvals) {
            task = step.task();
            toolCalls.addAll(step.toolCalls());
            calls.addAll(step.modelCalls());
            attempts = step.attempts();
            startedAt = step.startedAt();
            finishedAt = step.finishedAt();
            durationMs = step.durationMs();
            output = step.output();
            error = step.error();
            status = step.status() == StepStatus.RUNNING || step.status() == StepStatus.INTERRUPTED ? StepStatus.WAITING : step.status();
            for (ApprovalRecord a : approvals) {
                approvalSeq = Math.max(approvalSeq, a.seq());
                if (a.approved() && a.kind().equals(ApprovalRecord.BEFORE)) {
                    beforeApproved = true;
                }
                if (a.approved() && a.kind().equals(ApprovalRecord.AFTER)) {
                    afterApproved = true;
                    afterNote = a.note() == null || a.note().isBlank() ? null : a.note().strip();
                }
            }
            if (status == StepStatus.AWAITING_APPROVAL) {
                pending = approvals.stream().filter(a -> a.seq() == approvalSeq).findFirst().orElse(null);
                if (pending == null) {
                    status = StepStatus.WAITING; // parked, but its approval was never stored: ask again
                } else if (!pending.pending()) {
                    ApprovalRecord decided = pending;
                    pending = decided.decided(null, null, null, null); // decided while no process had it: applied at resume
                    deferred = decided;
                }
            }
            if (status == StepStatus.WAITING && !toolCalls.isEmpty() && resumeWith == null) {
                toolCalls.clear(); // it starts over
            }
        }

        ApprovalRecord deferred;

        /** What this step's output gives the steps after it: the output, with the approver's note if there was one. */
        String carried() {
            return afterNote == null ? output
                    : output + "\n\n(Note from the human who approved this output: " + afterNote + ")";
        }

        StepRecord record() {
            Integer in = reported(ModelCallRecord::inputTokens);
            Integer out = reported(ModelCallRecord::outputTokens);
            Integer total = in == null || out == null ? null : in + out;
            return new StepRecord(agent.id(), position, agent.displayName(), route.describe(), status, revision, systemPrompt,
                    task, output, toolCalls, in, out, total, attempts, startedAt, finishedAt, durationMs, error,
                    egress.share(), calls);
        }

        /**
         * The sum of a count over the calls that succeeded, or null when one of them did not report it
         * (a partial sum would look like the whole). Failed calls carry no usage and are not counted.
         */
        private Integer reported(java.util.function.Function<ModelCallRecord, Integer> count) {
            Integer sum = null;
            for (ModelCallRecord call : calls) {
                if (!call.outcome().equals(ModelCallRecord.OK)) {
                    continue;
                }
                Integer n = count.apply(call);
                if (n == null) {
                    return null;
                }
                sum = sum == null ? n : sum + n;
            }
            return sum;
        }

        @Override
        public void beforeModelCall(int estimatedInputTokens) {
            synchronized (RunExecution.this) {
                if (budgetStop == null) {
                    budgetStop = RunExecution.this.egress.budgets().refusal(countedTokens, countedCost, estimatedInputTokens,
                            RunExecution.this.egress.prices().nameFor(route));
                }
                if (budgetStop != null) {
                    throw new BudgetExceeded(budgetStop);
                }
                attempts++;
            }
        }

        @Override
        public void modelCalled(AgentRunner.CallReport report) {
            synchronized (RunExecution.this) {
                TokenUsage usage = report.usage();
                Integer in = usage == null ? null : usage.inputTokenCount();
                Integer out = usage == null ? null : usage.outputTokenCount();
                boolean measured = !report.sent().isEmpty();
                boolean delivered = report.sent().stream().anyMatch(WireRequest::delivered);
                String outcome = !report.failed() ? ModelCallRecord.OK
                        : measured && !delivered ? ModelCallRecord.NOT_SENT : ModelCallRecord.FAILED;
                Prices prices = RunExecution.this.egress.prices();
                String priced = prices.nameFor(route);
                int estimatedOut = report.estimatedOutputTokens();
                ModelCallRecord call = new ModelCallRecord(++callSeq, agent.id(), clock.instant(), route.provider().label(),
                        route.aliasOf() == null ? route.model() : route.aliasOf(),
                        measured ? report.sent().get(0).host() : egress.destination().host(),
                        measured ? Long.valueOf(report.sent().stream().mapToLong(WireRequest::bodyBytes).sum()) : null,
                        egress.files(), upstream, report.toolResults(), in, out, prices.cost(priced, in, out),
                        prices.currency(), outcome, report.estimatedInputTokens(), estimatedOut,
                        prices.estimate(priced, report.estimatedInputTokens(), estimatedOut));
                calls.add(call);
                count(call);
                try {
                    store.saveModelCall(runId, call);
                } catch (RuntimeException e) {
                    log.error("run {}: {}", runId, e.getMessage());
                    if (storeFailure == null) {
                        storeFailure = "the run database did not store a model call of " + agent.displayName()
                                + " (the egress ledger): " + e.getMessage();
                    }
                }
                try {
                    RunExecution.this.egress.onCall().accept(call);
                } catch (RuntimeException e) {
                    log.warn("run {}: a model-call listener failed: {}", runId, e.toString());
                }
            }
        }

        @Override
        public void toolCalled(ToolCallRecord call) {
            synchronized (RunExecution.this) {
                if (finished || status != StepStatus.RUNNING) {
                    return;
                }
                toolCalls.add(call);
                save(this);
                emit(RunEvent.Type.TOOL_CALL, this, status.label(), call.durationMs(), null, call);
                failIfUnstored();
            }
        }
    }
}
