package dev.braintrust.cli;

import dev.braintrust.BrainTrust;
import dev.braintrust.history.RestoreResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.List;

@Command(name = "restore", mixinStandardHelpOptions = true,
        header = "Local mode: write files of a past version back into the home (itself a new version).",
        description = {"Local mode: write files of a version back into the home, each atomically. The text the home has",
                "now is recorded as a version first (nothing is lost: its id is printed, and restoring it undoes this),",
                "and the restore is itself a new version. With no files, the whole version is restored: files added",
                "since are deleted, so the home is that version again.",
                "In cloud mode the repository is the source of truth: pin the server to a commit instead ('brain-trust pin')."})
final class RestoreCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "<id>", description = "The version (see 'brain-trust history').")
    String id;

    @Parameters(index = "1..*", arity = "0..*", paramLabel = "<file>",
            description = "Files to restore (context/MISSION.md, or MISSION.md); default: every file of the version.")
    List<String> files;

    @Override
    public Integer call() {
        try (BrainTrust bt = open(config())) {
            RestoreResult result = bt.history().restore(id, files == null ? List.of() : files);
            out().println(result.note());
            return Main.OK;
        }
    }
}
