package dev.braintrust.cli;

import dev.braintrust.BrainTrust;
import dev.braintrust.BrainTrustException;
import dev.braintrust.Config;
import dev.braintrust.sync.GitMirror;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "pin", mixinStandardHelpOptions = true,
        header = "Cloud mode: serve one commit and stop following the branch until 'brain-trust unpin'.",
        description = {"Cloud mode: serve this commit (context, skills, workflows) and stop following the branch until",
                "'brain-trust unpin'. Syncs still fetch, so status and /ready say how many commits behind the branch the",
                "server is. Kept across restarts. Asks the running server when one answers at BRAIN_TRUST_HOST:BRAIN_TRUST_PORT;",
                "otherwise pins the home itself, and the next server to start serves the pin.",
                "In local mode the folder is the source of truth: restore a version instead ('brain-trust restore')."})
final class PinCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "<commit>", description = "The commit (see 'brain-trust history'; at least 4 hex digits).")
    String commit;

    @Override
    public Integer call() throws Exception {
        Config config = config();
        if (!config.cloudMode()) {
            throw new BrainTrustException.BadConfig("pin is for cloud mode (BRAIN_TRUST_GIT_URL set), where a repository is the "
                    + "source of truth; in local mode restore a version instead: brain-trust restore <id> [file...]");
        }
        ServerCall.Answer answer = ServerCall.send(config, "POST", "/api/v1/sync/pin",
                dev.braintrust.Json.mapper().createObjectNode().put("commit", commit).toString());
        if (answer != null) {
            if (answer.status() == 200 && answer.body() != null && answer.body().hasNonNull("note")) {
                out().println("The server at " + answer.authority() + " is " + answer.body().get("note").asText() + ".");
                return Main.OK;
            }
            err().println("error: the server at " + answer.authority() + " could not pin: " + answer.detail());
            return answer.status() == 404 || answer.status() == 400 ? Main.BAD_INPUT : Main.FAILED;
        }
        try (BrainTrust bt = open(config)) {
            GitMirror.PinState pin = bt.sync().orElseThrow().pin(commit, "cli");
            out().println("The home is " + pin.note() + ". A server started on it serves this commit.");
            return Main.OK;
        }
    }
}
