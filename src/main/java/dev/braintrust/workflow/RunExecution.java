package dev.braintrust.workflow;

import dev.braintrust.journal.ModelCallRecord;
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
 */
final class RunExecution {
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
    private int running;
    private boolean finished;
    private int callSeq;
    private long countedTokens;
    private double countedCost;
    /** Why the run stops at its next model call (a budget would be exceeded); null while it may go on. */
    private String budgetStop;

    RunExecution(String runId, String source, WorkflowPlan plan, Map<String, String> systemPrompts, String revision,
                 AgentRunner runner, ExecutorService pool, int maxParallel, RunStore store, Clock clock,
                 Consumer<RunEvent> events, RunEgress egress) {
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
        this.startedAt = clock.instant();
        this.startNanos = System.nanoTime();
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
        while (!finished && running < maxParallel && !ready.isEmpty()) {
            launch(ready.poll());
        }
    }

    private void launch(Node node) {
        node.status = StepStatus.RUNNING;
        node.startedAt = clock.instant();
        node.startNanos = System.nanoTime();
        List<TaskComposer.Input> inputs = new ArrayList<>();
        for (String up : plan.upstream().get(node.agent.id())) {
            Node upstream = nodes.get(up);
            inputs.add(new TaskComposer.Input(upstream.agent.displayName(), upstream.output));
            node.upstream.add(new ModelCallRecord.UpstreamRef(up, upstream.agent.displayName(),
                    upstream.output == null ? 0 : upstream.output.strip().getBytes(StandardCharsets.UTF_8).length));
        }
        node.task = TaskComposer.compose(node.agent, inputs);
        running++;
        save(node);
        emit(RunEvent.Type.NODE_STARTED, node, StepStatus.RUNNING.label(), null, node.route.model(), null);
        node.future = pool.submit(() -> work(node));
    }

    private void work(Node node) {
        String output = null;
        Throwable failure = null;
        try {
            output = runner.run(node.route, node.systemPrompt, node.task, node);
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
        Instant now = clock.instant();
        if (failure instanceof BudgetExceeded) {
            node.end(StepStatus.CANCELLED, null, "stopped before its next model call: " + failure.getMessage(), now);
            save(node);
            emitFinished(node);
        } else if (failure == null) {
            node.end(StepStatus.SUCCEEDED, output, null, now);
            save(node);
            emitFinished(node);
            for (String down : plan.downstream().get(node.agent.id())) {
                Node next = nodes.get(down);
                if (--next.pendingUpstream == 0 && next.status == StepStatus.WAITING) {
                    ready.add(next);
                }
            }
        } else {
            node.end(StepStatus.FAILED, null, failureMessage(failure), now);
            save(node);
            emitFinished(node);
            skipDescendants(node, now);
        }
        if (budgetStop != null) {
            if (running == 0) {
                stop(RunStatus.BUDGET, budgetStop); // the agents still waiting would each need a model call
            }
        } else if (nodes.values().stream().allMatch(n -> n.status.finished())) {
            boolean anyFailed = nodes.values().stream().anyMatch(n -> n.status == StepStatus.FAILED);
            finish(anyFailed ? RunStatus.FAILED : RunStatus.SUCCEEDED, null);
        } else {
            pump();
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
                    + " it depends on failed", now);
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
                List<Node> failed = nodes.values().stream().filter(n -> n.status == StepStatus.FAILED).toList();
                yield failed.size() + (failed.size() == 1 ? " agent" : " agents") + " failed: " + failed.stream()
                        .map(n -> n.agent.displayName() + ": " + n.error).collect(Collectors.joining("; "));
            }
            default -> reason;
        };
        Instant now = clock.instant();
        long durationMs = (System.nanoTime() - startNanos) / 1_000_000;
        RunRecord record = record(status, now, Long.valueOf(durationMs), finalOutput, error);
        try {
            store.finish(record);
        } catch (RuntimeException e) {
            log.warn("run {}: {}", runId, e.getMessage());
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
            log.warn("run {}: {}", runId, e.getMessage());
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

        StepRecord record() {
            Integer in = reported(ModelCallRecord::inputTokens);
            Integer out = reported(ModelCallRecord::outputTokens);
            Integer total = in == null || out == null ? null : in + out;
            return new StepRecord(agent.id(), position, agent.displayName(), route.model(), status, revision, systemPrompt,
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
                    budgetStop = RunExecution.this.egress.budgets().refusal(countedTokens, countedCost, estimatedInputTokens, route.model());
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
                int estimatedOut = report.estimatedOutputTokens();
                ModelCallRecord call = new ModelCallRecord(++callSeq, agent.id(), clock.instant(), route.provider().label(),
                        route.model(), measured ? report.sent().get(0).host() : egress.destination().host(),
                        measured ? Long.valueOf(report.sent().stream().mapToLong(WireRequest::bodyBytes).sum()) : null,
                        egress.files(), upstream, report.toolResults(), in, out, prices.cost(route.model(), in, out),
                        prices.currency(), outcome, report.estimatedInputTokens(), estimatedOut,
                        prices.estimate(route.model(), report.estimatedInputTokens(), estimatedOut));
                calls.add(call);
                if (!outcome.equals(ModelCallRecord.NOT_SENT)) {
                    countedTokens += call.countedTokens();
                    countedCost += call.countedCost() == null ? 0 : call.countedCost();
                }
                try {
                    store.saveModelCall(runId, call);
                } catch (RuntimeException e) {
                    log.warn("run {}: {}", runId, e.getMessage());
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
            }
        }
    }
}
