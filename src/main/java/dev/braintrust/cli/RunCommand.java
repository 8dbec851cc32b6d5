package dev.braintrust.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectWriter;
import dev.braintrust.BrainTrust;
import dev.braintrust.BrainTrustException;
import dev.braintrust.Json;
import dev.braintrust.journal.ContextShare;
import dev.braintrust.journal.RunRecord;
import dev.braintrust.journal.Usage;
import dev.braintrust.workflow.AgentNode;
import dev.braintrust.workflow.DryRun;
import dev.braintrust.workflow.RunEvent;
import dev.braintrust.workflow.RunHandle;
import dev.braintrust.workflow.SavedWorkflow;
import dev.braintrust.workflow.Workflow;
import dev.braintrust.workflow.WorkflowPlan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Run a workflow: a JSON file, or the name of a saved workflow in PAI_HOME/workflows/.",
                "Shows each agent's progress (waiting, running, done, with times) on stderr and prints the final output.",
                "Exit code: 0 succeeded, 1 the run failed (an agent failed, or it was cancelled or timed out), 2 bad input."})
final class RunCommand extends BaseCommand {
    static final long MAX_FILE_BYTES = 10L * 1024 * 1024;

    @Parameters(index = "0", arity = "0..1", paramLabel = "<workflow.json | name>",
            description = "A workflow file, or a saved workflow's name (see --list).")
    String workflow;

    @Option(names = "--dry-run", description = {"Validate and print every agent's exact system prompt and task; call no model.",
            "Exits 0 once printed; a missing key or an Ollama that does not answer is a warning on stderr."})
    boolean dryRun;

    @Option(names = "--json", description = "Print the run (or the dry run) as JSON on stdout, and no progress.")
    boolean json;

    @Option(names = "--list", description = "List the saved workflows.")
    boolean list;

    @Override
    public Integer call() throws Exception {
        try (BrainTrust bt = openCreatingHome(config())) {
            if (list) {
                return list(bt);
            }
            if (workflow == null) {
                throw new BrainTrustException.BadInput("give a workflow file or the name of a saved workflow "
                        + "('brain-trust run --list' shows them)");
            }
            Workflow w = load(bt, workflow);
            if (dryRun) {
                return dryRun(bt.runs().dryRun(w));
            }
            WorkflowPlan plan = bt.runs().plan(w);
            Progress progress = json ? null : new Progress(err(), plan);
            RunHandle handle = bt.runs().start(w, "cli", progress);
            Thread onInterrupt = new Thread(() -> {
                if (!handle.result().isDone()) {
                    bt.runs().cancel(handle.id());
                }
            }, "cancel-run-on-exit");
            Runtime.getRuntime().addShutdownHook(onInterrupt);
            RunRecord run = handle.result().join();
            try {
                Runtime.getRuntime().removeShutdownHook(onInterrupt);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or has run: nothing to undo
            }
            if (json) {
                out().println(pretty().writeValueAsString(run));
            } else {
                if (run.finalOutput() != null) {
                    out().println(run.finalOutput().strip());
                }
                err().println(summary(run));
            }
            out().flush();
            err().flush();
            return run.succeeded() ? Main.OK : Main.FAILED;
        }
    }

    private int list(BrainTrust bt) {
        List<SavedWorkflow> saved = bt.runs().savedWorkflows();
        if (saved.isEmpty()) {
            out().println("No saved workflows in " + bt.home().workflows() + ". Save a workflow's JSON there as <name>.json.");
        }
        for (SavedWorkflow s : saved) {
            if (!s.usable()) {
                out().printf("%-24s (cannot be run: %s)%n", s.name(), s.problem());
                continue;
            }
            String detail;
            try {
                Workflow w = bt.runs().loadSaved(s.name());
                detail = w.name() + " — " + w.agents().size() + (w.agents().size() == 1 ? " agent" : " agents");
            } catch (BrainTrustException e) {
                detail = "(cannot be run: " + e.getMessage() + ")";
            }
            out().printf("%-24s %s%n", s.name(), detail);
        }
        return Main.OK;
    }

    /** A path to a file when it is one (or looks like one), else a saved workflow's name. */
    static Workflow load(BrainTrust bt, String argument) {
        Path file = Path.of(argument);
        boolean looksLikePath = argument.contains("/") || argument.contains(java.io.File.separator);
        if (Files.isRegularFile(file) || looksLikePath) {
            try {
                if (Files.size(file) > MAX_FILE_BYTES) {
                    throw new BrainTrustException.BadInput(argument + " is larger than " + MAX_FILE_BYTES / 1024 / 1024
                            + " MiB; a workflow is a small JSON file");
                }
                JsonNode root = Json.mapper().readTree(Files.readString(file));
                String stem = file.getFileName().toString().replaceFirst("\\.json$", "");
                return Workflow.fromJson(root, stem);
            } catch (NoSuchFileException e) {
                throw new BrainTrustException.NotFound("no such file: " + argument);
            } catch (JsonProcessingException e) {
                throw new BrainTrustException.BadInput(argument + " is not valid JSON: " + dev.braintrust.Json.problem(e));
            } catch (IOException e) {
                throw new BrainTrustException.BadInput("cannot read " + argument + ": " + e.getMessage());
            }
        }
        return bt.runs().loadSaved(argument);
    }

    /** A dry run that printed its prompts succeeded (exit 0), even when the run itself could not start yet: that is a warning. */
    private int dryRun(DryRun dry) throws JsonProcessingException {
        if (json) {
            out().println(pretty().writeValueAsString(dry));
            dry.problems().forEach(p -> err().println("warning: " + p));
            return Main.OK;
        }
        PrintWriter out = out();
        out.println("Dry run of \"" + dry.workflow() + "\": " + dry.agents().size() + " agents, context revision "
                + dry.revision() + ". No model is called.");
        dry.notes().forEach(n -> out.println("note: " + n));
        int i = 0;
        for (DryRun.Agent agent : dry.agents()) {
            i++;
            out.println();
            out.println("=== Agent " + i + "/" + dry.agents().size() + ": " + agent.name() + " (node " + agent.nodeId()
                    + ") — model " + agent.modelShown() + " (" + agent.provider().title() + ")"
                    + (agent.upstream().isEmpty() ? "" : " — after " + String.join(", ", agent.upstream())));
            out.println(contextLine(agent.context()));
            out.println("--- system prompt ---");
            out.println(agent.systemPrompt().stripTrailing());
            out.println("--- task ---");
            out.println(agent.task().stripTrailing());
        }
        out.flush();
        if (!dry.ready()) {
            err().println();
            err().println("warning: a real run could not start (or its models could not answer) as things are:");
            dry.problems().forEach(p -> err().println("  - " + p));
            err().flush();
        }
        return Main.OK;
    }

    /** "Sends to api.openai.com: MISSION.md, GOALS.md; withheld: HEALTH.md (local), DIARY.md (never)". */
    static String contextLine(ContextShare share) {
        String where = share.local() ? share.host() + " (local: receives privacy: local files)" : share.host();
        String line = "Sends to " + where + ": " + (share.received().isEmpty() ? "no context files" : String.join(", ", share.received()));
        if (!share.withheld().isEmpty()) {
            line += "; withheld: " + share.withheld().stream().map(w -> w.name() + " (" + w.privacy() + ")")
                    .collect(Collectors.joining(", "));
        }
        return line;
    }

    static ObjectWriter pretty() {
        return Json.mapper().writerWithDefaultPrettyPrinter();
    }

    static String summary(RunRecord run) {
        String took = seconds(run.durationMs() == null ? 0 : run.durationMs());
        String line = "Run " + run.id() + " " + run.status().label() + " in " + took + " (" + run.agentCount()
                + (run.agentCount() == 1 ? " agent" : " agents") + ", context revision " + run.revision() + ").";
        Usage usage = run.usage();
        if (usage.modelCalls() > 0) {
            line += "\n" + usage.modelCalls() + (usage.modelCalls() == 1 ? " model call" : " model calls") + ": "
                    + usage.describeTokens() + ", " + usage.describeCost() + ", " + Bytes.human(usage.bytesSent()) + " sent.";
        }
        return run.error() == null ? line : line + "\n" + run.error();
    }

    static String seconds(long millis) {
        return String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
    }

    /** Prints one line per event on stderr: waiting, running, tool, done / failed / skipped, with times. */
    static final class Progress implements java.util.function.Consumer<RunEvent> {
        private final PrintWriter err;
        private final WorkflowPlan plan;
        private final long start = System.nanoTime();

        Progress(PrintWriter err, WorkflowPlan plan) {
            this.err = err;
            this.plan = plan;
        }

        @Override
        public synchronized void accept(RunEvent e) {
            String at = String.format(Locale.ROOT, "[%6.1f s] ", (System.nanoTime() - start) / 1e9);
            switch (e.type()) {
                case RUN_STARTED -> {
                    err.println("Running \"" + plan.workflow().name() + "\": " + plan.order().size() + " agents (run "
                            + e.runId() + "). Ctrl-C cancels.");
                    err.println(at + "waiting  " + plan.order().stream().map(AgentNode::displayName)
                            .collect(Collectors.joining(", ")));
                }
                case NODE_STARTED -> err.println(at + "running  " + e.agent() + " (" + e.detail() + ")");
                case TOOL_CALL -> err.println(at + "tool     " + e.agent() + " → " + e.toolCall().tool() + " "
                        + oneLine(e.toolCall().arguments(), 80) + ": " + e.toolCall().outcome() + ", " + e.toolCall().durationMs() + " ms");
                case NODE_FINISHED -> {
                    String took = e.durationMs() == null ? "" : " in " + seconds(e.durationMs());
                    switch (e.status()) {
                        case "succeeded" -> err.println(at + "done     " + e.agent() + took);
                        case "failed" -> err.println(at + "failed   " + e.agent() + took + ": " + e.detail());
                        case "skipped" -> err.println(at + "skipped  " + e.agent() + ": " + e.detail());
                        default -> err.println(at + String.format(Locale.ROOT, "%-8s ", e.status()) + e.agent()
                                + (e.detail() == null ? "" : ": " + e.detail()));
                    }
                }
                case APPROVAL_REQUESTED -> err.println(at + "approval " + e.agent() + " waits for you (" + oneLine(e.detail(), 80)
                        + "): brain-trust approve " + e.runId() + " [--reject] [--note ...], or the dashboard");
                case APPROVAL_DECIDED -> err.println(at + String.format(Locale.ROOT, "%-8s ", e.status()) + e.agent()
                        + (e.detail() == null ? "" : ": " + e.detail()));
                case DONE -> {
                }
            }
            err.flush();
        }

        private static String oneLine(String text, int max) {
            String one = text == null ? "" : text.replaceAll("\\s+", " ").strip();
            return one.length() <= max ? one : one.substring(0, max) + "…";
        }
    }
}
