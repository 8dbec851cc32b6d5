package dev.braintrust.cli;

import dev.braintrust.BrainTrust;
import dev.braintrust.BrainTrustException;
import dev.braintrust.Config;
import dev.braintrust.sync.SyncResult;
import picocli.CommandLine.Command;

@Command(name = "unpin", mixinStandardHelpOptions = true,
        description = {"Cloud mode: follow the branch again after 'brain-trust pin', and sync to its head now.",
                "Asks the running server when one answers; otherwise unpins and syncs the home itself."})
final class UnpinCommand extends BaseCommand {
    @Override
    public Integer call() throws Exception {
        Config config = config();
        if (!config.cloudMode()) {
            throw new BrainTrustException.BadConfig("unpin is for cloud mode (BRAIN_TRUST_GIT_URL set); a local home is never pinned");
        }
        ServerCall.Answer answer = ServerCall.send(config, "POST", "/api/v1/sync/unpin", null);
        if (answer != null) {
            if (answer.status() == 200 && answer.body() != null) {
                out().println("The server at " + answer.authority() + " follows " + answer.body().path("following").asText()
                        + " again, at " + answer.body().path("revision").asText() + ".");
                return Main.OK;
            }
            err().println("error: the server at " + answer.authority() + " could not unpin: " + answer.detail());
            return Main.FAILED;
        }
        try (BrainTrust bt = open(config)) {
            SyncResult result = bt.sync().orElseThrow().unpin("cli");
            out().println("Following " + bt.sync().orElseThrow().status().branch() + " again, at " + result.revision() + ".");
            return Main.OK;
        }
    }
}
