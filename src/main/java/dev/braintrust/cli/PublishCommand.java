package dev.braintrust.cli;

import dev.braintrust.BrainTrustException;
import dev.braintrust.Config;
import dev.braintrust.sync.GitMirror;
import dev.braintrust.sync.GitRemote;
import dev.braintrust.sync.PublishResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

@Command(name = "publish", mixinStandardHelpOptions = true,
        header = "Make your local home the content of a git repository, and push it.",
        description = {"Turn your local home into the content of a git repository: makes PAI_HOME a git repository if needed,",
                "ignores logs/ and state/ (.gitignore), commits context/, skills/ and workflows/, and pushes the branch",
                "(BRAIN_TRUST_GIT_BRANCH, default main). Never forces: a branch with other history is left alone.",
                "HTTPS: the token comes from BRAIN_TRUST_GIT_TOKEN; SSH: the key from BRAIN_TRUST_GIT_SSH_KEY."})
final class PublishCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "<url>", description = "The repository to publish to (ideally empty).")
    String url;

    private static final Pattern AUTHOR = Pattern.compile("\\s*([^<>]*?)\\s*<([^<>\\s]+@[^<>\\s]+)>\\s*");

    @Option(names = "--author", paramLabel = "'Name <email>'",
            description = "Who the commit is by (default: git's user.name and user.email; without them git makes one up from the system user).")
    String author;

    @Override
    public Integer call() {
        Config config = config();
        GitRemote remote = GitRemote.of(url, config);
        String name = null;
        String email = null;
        if (author != null) {
            Matcher m = AUTHOR.matcher(author);
            if (!m.matches() || m.group(1).isEmpty()) {
                throw new BrainTrustException.BadInput("--author must be 'Name <email>', e.g. --author 'Ada Lovelace <ada@example.com>', not '"
                        + author + "'");
            }
            name = m.group(1);
            email = m.group(2);
        }
        PublishResult result = GitMirror.publish(config.home(), remote, name, email);
        out().println("Published " + config.home() + " to " + remote.displayUrl() + " (branch " + remote.branch() + ") at "
                + result.commit() + "; the home's '" + remote.branch() + "' tracks origin/" + remote.branch() + ".");
        if (!result.committed()) {
            out().println("Nothing new to commit: the repository already had this home's content.");
        } else if (result.identityConfigured()) {
            out().println("Committed as " + result.author() + ".");
        } else {
            err().println("note: committed as " + result.author() + ", which git made up: no git identity is set. Next time give "
                    + "--author 'Your Name <you@example.com>', or set one with git config --global user.name / user.email.");
        }
        if (result.remoteHeadWarning() != null) {
            err().println("warning: " + result.remoteHeadWarning() + ".");
        }
        out().println("To serve it from the repository: BRAIN_TRUST_GIT_URL=" + remote.displayUrl() + " brain-trust serve");
        err().flush();
        return Main.OK;
    }
}
