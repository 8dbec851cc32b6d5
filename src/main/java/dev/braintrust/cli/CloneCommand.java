package dev.braintrust.cli;

import dev.braintrust.BrainTrust;
import dev.braintrust.BrainTrustException;
import dev.braintrust.Config;
import dev.braintrust.sync.GitMirror;
import dev.braintrust.sync.SyncResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "clone", mixinStandardHelpOptions = true,
        header = "Make a local home from an existing repository.",
        description = {"Make a local home from an existing repository: clones it into PAI_HOME (which must be empty or absent)",
                "and adds logs/ and state/, which stay out of git. Then edit, commit and push from the home with git,",
                "or run the server with BRAIN_TRUST_GIT_URL to follow the repository."})
final class CloneCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "<url>", description = "The repository to clone.")
    String url;

    @Override
    public Integer call() {
        Config config = config();
        config = config.withGit(url, config.gitBranch());
        String done;
        try (BrainTrust bt = BrainTrust.open(config)) {
            SyncResult result;
            try {
                result = bt.truth().syncNow("clone");
            } catch (BrainTrustException.Unavailable e) {
                throw new BrainTrustException.Unavailable(forClone(e.getMessage()), e);
            }
            done = SyncCommand.describe(bt.truth().syncStatus().repository(), result) + " into " + config.home();
        }
        GitMirror.detach(config.home()); // a local home now: not a mirror that the next sync would overwrite
        out().println(done);
        out().println("Next: 'brain-trust status' shows what it holds; edit, commit and push from " + config.home() + ".");
        return Main.OK;
    }

    /** The sync's message, about the URL given here rather than the variable a server reads, and with no retry to come. */
    static String forClone(String message) {
        return message.replace("check BRAIN_TRUST_GIT_URL", "check the URL given to 'brain-trust clone'")
                .replace("; the last good snapshot is kept and the sync is retried", "");
    }
}
