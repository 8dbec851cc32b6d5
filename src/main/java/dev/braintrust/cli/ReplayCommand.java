package dev.braintrust.cli;

import dev.braintrust.BrainTrust;
import dev.braintrust.journal.RunRecord;
import dev.braintrust.workflow.RunHandle;
import dev.braintrust.workflow.Workflow;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "replay", mixinStandardHelpOptions = true,
        header = "Run a past run's workflow again on the context it recorded, or on today's with --current.",
        description = {"Run a past run's workflow again, as a new run that names the one it replays: on the context of the",
                "revision that run recorded (in cloud mode also that commit's skills), or with --current on today's, to",
                "compare the outputs. A revision no longer in the history (pruned, or never recorded) is an error, never",
                "a silent use of today's context. Shows progress like 'brain-trust run' and prints the final output.",
                "Exit code: 0 succeeded, 1 the replay failed or its revision is gone, 2 bad input (no such run)."})
final class ReplayCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "<run-id>", description = "The run to replay (see the Runs page or GET /api/v1/runs).")
    String runId;

    @Option(names = "--current", description = "Replay on today's context instead of the run's.")
    boolean current;

    @Option(names = "--json", description = "Print the replay as JSON on stdout, and no progress.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        try (BrainTrust bt = open(config())) {
            Workflow workflow = bt.runs().workflowOf(runId);
            RunCommand.Progress progress = json ? null : new RunCommand.Progress(err(), bt.runs().plan(workflow));
            RunHandle handle = bt.runs().replay(runId, current, progress);
            if (!json) {
                err().println("Replaying run " + runId + " as run " + handle.id() + " on " + (current ? "today's context"
                        : "its own context") + " (revision " + handle.revision() + ").");
                err().flush();
            }
            RunRecord run = handle.result().join();
            if (json) {
                out().println(RunCommand.pretty().writeValueAsString(run));
            } else {
                if (run.finalOutput() != null) {
                    out().println(run.finalOutput().strip());
                }
                err().println(RunCommand.summary(run));
            }
            out().flush();
            err().flush();
            return run.succeeded() ? Main.OK : Main.FAILED;
        }
    }
}
