package dev.braintrust.cli;

import dev.braintrust.Config;
import dev.braintrust.sync.GitMirror;
import dev.braintrust.sync.GitRemote;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "publish", mixinStandardHelpOptions = true,
        header = "Make your local home the content of a git repository, and push it.",
        description = {"Turn your local home into the content of a git repository: makes PAI_HOME a git repository if needed,",
                "ignores logs/ and state/ (.gitignore), commits context/, skills/ and workflows/, and pushes the branch",
                "(BRAIN_TRUST_GIT_BRANCH, default main). Never forces: a branch with other history is left alone.",
                "HTTPS: the token comes from BRAIN_TRUST_GIT_TOKEN; SSH: the key from BRAIN_TRUST_GIT_SSH_KEY."})
final class PublishCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "<url>", description = "The repository to publish to (ideally empty).")
    String url;

    @Override
    public Integer call() {
        Config config = config();
        GitRemote remote = GitRemote.of(url, config);
        String commit = GitMirror.publish(config.home(), remote);
        out().println("Published " + config.home() + " to " + remote.displayUrl() + " (branch " + remote.branch() + ") at " + commit + ".");
        out().println("To serve it from the repository: BRAIN_TRUST_GIT_URL=" + remote.displayUrl() + " brain-trust serve");
        return Main.OK;
    }
}
