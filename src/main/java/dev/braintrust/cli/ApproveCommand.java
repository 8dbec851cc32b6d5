package dev.braintrust.cli;

import dev.braintrust.BrainTrust;
import dev.braintrust.BrainTrustException;
import dev.braintrust.journal.ApprovalRecord;
import dev.braintrust.journal.RunRecord;
import dev.braintrust.journal.RunStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;

@Command(name = "approve", mixinStandardHelpOptions = true,
        header = "List what waiting runs ask a human for, or approve or reject it.",
        description = {"Approve (or reject) what a waiting run asks a human for: a step before it runs, its output, or a",
                "skill call. The note reaches the next agent. The server running the run goes on within a second;",
                "a waiting run whose server is gone goes on here. Without a run, lists what waits for approval.",
                "Exit codes: 0 decided (or nothing waits), 1 the run failed or was decided already, 2 bad input."})
final class ApproveCommand extends BaseCommand {
    @Parameters(index = "0", arity = "0..1", paramLabel = "<run>", description = "The run's id (see 'brain-trust approve').")
    String runId;

    @Option(names = "--step", paramLabel = "<node>", description = "The step (node id) to decide; needed only when several wait.")
    String step;

    @Option(names = "--reject", description = "Reject instead of approving: the step (and the steps after it) does not run.")
    boolean reject;

    @Option(names = "--note", paramLabel = "<text>", description = "A note for the next agent (why, or what to change).")
    String note;

    @Override
    public Integer call() throws Exception {
        try (BrainTrust bt = open(config())) {
            List<ApprovalRecord> pending = bt.runs().pendingApprovals();
            if (runId == null) {
                if (pending.isEmpty()) {
                    out().println("Nothing waits for approval.");
                }
                for (ApprovalRecord a : pending) {
                    out().println(a.runId() + "  step " + a.nodeId() + " (" + a.kind() + ")  until " + a.expiresAt());
                    out().println("    " + a.subject().lines().findFirst().orElse("").strip()
                            + (a.subject().lines().count() > 1 ? " …" : ""));
                }
                return Main.OK;
            }
            String chosen = step;
            if (chosen == null) {
                List<ApprovalRecord> ofRun = pending.stream().filter(a -> a.runId().equals(runId)).toList();
                if (ofRun.isEmpty()) {
                    RunRecord run = bt.runs().get(runId);
                    throw new BrainTrustException.Conflict("run " + runId + " waits for no approval (it is " + run.status().label() + ")");
                }
                if (ofRun.size() > 1) {
                    throw new BrainTrustException.BadInput("run " + runId + " waits at several steps; choose one with --step: "
                            + String.join(", ", ofRun.stream().map(ApprovalRecord::nodeId).toList()));
                }
                chosen = ofRun.get(0).nodeId();
            }
            bt.runs().decide(runId, chosen, !reject, note, "cli");
            err().println((reject ? "Rejected" : "Approved") + " step " + chosen + " of run " + runId + ".");
            err().flush();
            if (!bt.runs().activeRuns().contains(runId)) {
                RunRecord run = bt.runs().get(runId);
                out().println("The server running it goes on with the decision (the run is " + run.status().label() + ").");
                return Main.OK;
            }
            return follow(bt, runId, this);
        }
    }

    /** Waits for a run of this process until it finishes or waits for a human; prints its output. */
    static int follow(BrainTrust bt, String id, BaseCommand command) throws InterruptedException {
        RunRecord run = bt.runs().get(id);
        while (run.status() == RunStatus.RUNNING) {
            Thread.sleep(100);
            run = bt.runs().get(id);
        }
        if (run.status() == RunStatus.WAITING) {
            command.out().println("Run " + id + " waits for an approval: 'brain-trust approve " + id + "' (or the dashboard). "
                    + "A running server goes on with it.");
            return Main.OK;
        }
        if (run.finalOutput() != null) {
            command.out().println(run.finalOutput());
        }
        if (!run.succeeded()) {
            command.err().println("error: run " + id + " " + run.status().label() + (run.error() == null ? "" : ": " + run.error()));
            return Main.FAILED;
        }
        return Main.OK;
    }
}
