package dev.braintrust.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.braintrust.BrainTrust;
import dev.braintrust.Config;
import dev.braintrust.Json;
import dev.braintrust.sync.SyncResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

@Command(name = "sync", mixinStandardHelpOptions = true,
        header = "Cloud mode: bring PAI_HOME to the head of the repository's branch now.",
        description = {"Cloud mode: bring PAI_HOME to exactly the head of the repository's branch (BRAIN_TRUST_GIT_URL),",
                "cloning it into an empty home. The repository is the source of truth: a local edit the sync overwrites is moved",
                "to PAI_HOME/state/sync/overwritten/<time>/ first, and a home with commits the remote lacks is refused (push first).",
                "When a server runs on this home (state/server.json), asks it to sync, so it serves the new revision at once",
                "and syncs with its own credentials; --url asks another server. Otherwise syncs the home itself, following",
                "BRAIN_TRUST_GIT_URL, or the repository the home already mirrors.",
                "With --once, always syncs the home itself and exits: 0 on success, 1 with the reason otherwise",
                "(what a Kubernetes init container or a cron line runs)."})
final class SyncCommand extends BaseCommand {
    @Option(names = "--once", description = "Clone or sync the home in this process and exit; never contacts a server.")
    boolean once;

    @Option(names = "--url", paramLabel = "<url>",
            description = "The server to ask (default: the server of this home, from state/server.json).")
    String url;

    @Override
    public Integer call() throws Exception {
        Config config = config();
        if (!once) {
            Optional<HomeServer.Target> server = HomeServer.find(url, config.home());
            if (server.isPresent()) {
                return askServer(server.get(), config);
            }
        }
        config = followingThisHome(config);
        dev.braintrust.truth.Sources.requireRepository(config, "sync needs cloud mode: set BRAIN_TRUST_GIT_URL (or --git-url) "
                + "to the repository to follow; in local mode the home folder itself is the source of truth");
        try (BrainTrust bt = open(config)) {
            SyncResult result = bt.truth().syncNow(once ? "cli --once" : "cli");
            String prefix = once ? "" : "No server runs on this home; synced it directly. ";
            out().println(prefix + describe(bt.truth().syncStatus().repository(), result));
            return Main.OK;
        }
    }

    static String describe(String repository, SyncResult r) {
        String kept = r.keptAside() == null ? "" : "\nKept your local edits: " + r.keptAside().describe();
        return outcome(repository, r) + kept;
    }

    private static String outcome(String repository, SyncResult r) {
        if (r.previous() == null) {
            return "Cloned " + repository + " at " + r.revision() + " (" + r.changedCount()
                    + (r.changedCount() == 1 ? " file, " : " files, ") + r.durationMs() + " ms)";
        }
        if (!r.revisionChanged()) {
            return "Up to date with " + repository + " at " + r.revision() + " (" + r.durationMs() + " ms)";
        }
        return "Synced " + repository + ": " + r.previous() + " -> " + r.revision() + ", " + r.changedCount()
                + (r.changedCount() == 1 ? " path" : " paths") + " changed (" + r.durationMs() + " ms)";
    }

    /** Asks the server to sync and says which server answered what. */
    private Integer askServer(HomeServer.Target server, Config config) {
        HttpResponse<String> response = HomeServer.send(server, "POST", "/api/v1/sync", config.apiKey(), Duration.ofMinutes(5));
        JsonNode body;
        try {
            body = Json.mapper().readTree(response.body());
        } catch (IOException e) {
            body = null;
        }
        if (response.statusCode() == 200 && body != null && body.has("revision")) {
            List<String> changed = new ArrayList<>();
            body.path("changed").forEach(p -> changed.add(p.asText()));
            boolean moved = !text(body, "previous").equals(text(body, "revision"));
            out().println("Asked " + server.name() + " to sync: " + (moved
                    ? text(body, "previous") + " -> " + text(body, "revision") + ", " + changed.size()
                    + (changed.size() == 1 ? " path" : " paths") + " changed"
                    : "up to date at " + text(body, "revision")) + " (" + body.path("durationMs").asLong() + " ms)");
            JsonNode kept = body.path("keptAside");
            if (kept.isObject()) {
                try {
                    out().println("Kept local edits on the server: "
                            + Json.mapper().treeToValue(kept, dev.braintrust.sync.KeptAside.class).describe());
                } catch (IOException e) {
                    out().println("Kept local edits on the server: " + kept);
                }
            }
            return Main.OK;
        }
        err().println("error: " + HomeServer.problem(server, response)
                + (response.statusCode() == 409 ? "" : " (use 'brain-trust sync --once' to sync the home directly)"));
        return Main.FAILED;
    }

    private static String text(JsonNode body, String field) {
        JsonNode node = body.get(field);
        return node == null || node.isNull() ? "(none)" : node.asText();
    }
}
