package dev.braintrust.cli;

import dev.braintrust.BrainTrust;
import dev.braintrust.history.VersionDiff;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "diff", mixinStandardHelpOptions = true,
        description = {"What changed between two versions, as a unified diff per file.",
                "  brain-trust diff              the newest change (the version before now, to now)",
                "  brain-trust diff <from>       from a version to the home as it is now",
                "  brain-trust diff <from> <to>  between two versions",
                "Ids come from 'brain-trust history' (at least 4 hex digits)."})
final class DiffCommand extends BaseCommand {
    @Parameters(index = "0", arity = "0..1", paramLabel = "<from>", description = "The older version (default: the one before <to>).")
    String from;

    @Parameters(index = "1", arity = "0..1", paramLabel = "<to>", description = "The newer version (default: now).")
    String to;

    @Option(names = "--stat", description = "Only the files and their lines added and deleted.")
    boolean stat;

    @Option(names = "--json", description = "Print the diff as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        try (BrainTrust bt = open(config())) {
            bt.history().catchUp();
            VersionDiff diff = bt.history().diff(from, to);
            if (json) {
                out().println(RunCommand.pretty().writeValueAsString(diff));
                return Main.OK;
            }
            String fromText = diff.from() == null ? "nothing (the first version)" : shortId(diff.from());
            String toText = diff.to().equals("now") ? "now (" + shortId(diff.toRevision()) + ")" : shortId(diff.to());
            if (diff.unchanged()) {
                out().println("No change from " + fromText + " to " + toText + ".");
                return Main.OK;
            }
            err().println("From " + fromText + " to " + toText + ": " + diff.files().size()
                    + (diff.files().size() == 1 ? " file" : " files") + " changed.");
            err().flush();
            for (VersionDiff.FileDiff f : diff.files()) {
                if (stat) {
                    out().println(f.path() + (f.binary() ? " (binary)" : " +" + f.additions() + " -" + f.deletions()));
                } else {
                    out().print(f.diff());
                    if (f.truncated()) {
                        out().println("[diff of " + f.path() + " cut short]");
                    }
                }
            }
            return Main.OK;
        }
    }

    static String shortId(String id) {
        return id.substring(0, Math.min(12, id.length()));
    }
}
