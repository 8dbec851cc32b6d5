package dev.braintrust.cli;

import dev.braintrust.BrainTrust;
import dev.braintrust.context.ContextFile;
import dev.braintrust.context.ContextSnapshot;
import dev.braintrust.context.Privacy;
import dev.braintrust.context.PromptComposer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "context", mixinStandardHelpOptions = true,
        description = {"Show the context snapshot every agent receives: revision and files.",
                "With --prompt, print the full system prompt an agent with those instructions gets",
                "(add --role and --goal to see an agent's whole block: You are <role>. / backstory / Your personal goal is: <goal>)."})
final class ContextCommand extends BaseCommand {
    @Option(names = "--prompt", paramLabel = "<instructions>", arity = "0..1", fallbackValue = "",
            description = "Print the composed system prompt for an agent with these instructions (its backstory).")
    String prompt;

    @Option(names = "--role", paramLabel = "<role>", description = "With --prompt: the agent's role (\"You are <role>.\").")
    String role;

    @Option(names = "--goal", paramLabel = "<goal>", description = "With --prompt: the agent's goal (\"Your personal goal is: <goal>\").")
    String goal;

    @Override
    public Integer call() {
        try (BrainTrust bt = open(config())) {
            if (prompt != null || role != null || goal != null) {
                out().print(bt.context().composePrompt(new PromptComposer.Agent(role, prompt, goal)));
                out().flush();
                bt.context().snapshot().warnings().forEach(w -> err().println("warning: " + w));
                return Main.OK;
            }
            ContextSnapshot s = bt.context().snapshot();
            out().println("Revision: " + s.revision());
            out().println("Files (in the order agents read them):");
            for (ContextFile f : s.files()) {
                out().printf("  %-24s %8d bytes  sha256 %s%s%n", f.name(), f.bytes(), f.sha256().substring(0, 12),
                        f.privacy() == Privacy.PUBLIC ? "" : "  privacy: " + f.privacy().label());
            }
            if (s.files().isEmpty()) {
                out().println("  (none)");
            }
            s.warnings().forEach(w -> out().println("warning: " + w));
            return Main.OK;
        }
    }
}
