package dev.braintrust.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.braintrust.BrainTrust;
import dev.braintrust.BrainTrustException;
import dev.braintrust.Config;
import dev.braintrust.Json;
import dev.braintrust.sync.SyncResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

@Command(name = "sync", mixinStandardHelpOptions = true,
        header = "Cloud mode: bring PAI_HOME to the head of the repository's branch now.",
        description = {"Cloud mode: bring PAI_HOME to exactly the head of the repository's branch (BRAIN_TRUST_GIT_URL),",
                "cloning it into an empty home. The repository is the source of truth: a local edit the sync overwrites is moved",
                "to PAI_HOME/state/sync/overwritten/<time>/ first, and a home with commits the remote lacks is refused (push first).",
                "Asks the running server to sync when one answers at BRAIN_TRUST_HOST:BRAIN_TRUST_PORT, so it serves the new",
                "revision at once; otherwise syncs the home itself.",
                "With --once, always syncs the home itself and exits: 0 on success, 1 with the reason otherwise",
                "(what a Kubernetes init container or a cron line runs)."})
final class SyncCommand extends BaseCommand {
    private static final Duration CONNECT_TIMEOUT = Duration.ofMillis(500);

    @Option(names = "--once", description = "Clone or sync the home in this process and exit; never contacts a server.")
    boolean once;

    @Override
    public Integer call() throws Exception {
        Config config = config();
        if (!config.cloudMode()) {
            throw new BrainTrustException.BadConfig("sync needs cloud mode: set BRAIN_TRUST_GIT_URL (or --git-url) to the "
                    + "repository to follow; in local mode the home folder itself is the source of truth");
        }
        if (!once) {
            Integer viaServer = askServer(config);
            if (viaServer != null) {
                return viaServer;
            }
        }
        try (BrainTrust bt = open(config)) {
            SyncResult result = bt.sync().orElseThrow().syncNow(once ? "cli --once" : "cli");
            out().println(describe(bt.sync().orElseThrow().status().repository(), result));
            return Main.OK;
        }
    }

    static String describe(String repository, SyncResult r) {
        String kept = r.keptAside() == null ? "" : "\nKept your local edits: " + r.keptAside().describe();
        return outcome(repository, r) + kept;
    }

    private static String outcome(String repository, SyncResult r) {
        if (r.previous() == null) {
            return "Cloned " + repository + " at " + r.revision() + " (" + r.changedCount() + " files, " + r.durationMs() + " ms)";
        }
        if (!r.revisionChanged()) {
            return "Up to date with " + repository + " at " + r.revision() + " (" + r.durationMs() + " ms)";
        }
        return "Synced " + repository + ": " + r.previous() + " -> " + r.revision() + ", " + r.changedCount()
                + (r.changedCount() == 1 ? " path" : " paths") + " changed (" + r.durationMs() + " ms)";
    }

    /** Asks a running server to sync; null when no server answers, so the caller syncs the home itself. */
    private Integer askServer(Config config) throws IOException, InterruptedException {
        String host = config.host().equals("0.0.0.0") || config.host().equals("::") ? "127.0.0.1" : config.host();
        URI uri = URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + config.port() + "/api/v1/sync");
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(5))
                .POST(HttpRequest.BodyPublishers.noBody());
        if (config.apiKey() != null) {
            request.header("X-API-Key", config.apiKey().reveal());
        }
        HttpClient client = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build();
        HttpResponse<String> response;
        try {
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException | HttpTimeoutException e) {
            return null;
        }
        JsonNode body;
        try {
            body = Json.mapper().readTree(response.body());
        } catch (IOException e) {
            body = null;
        }
        if (response.statusCode() == 200 && body != null && body.has("revision")) {
            List<String> changed = new ArrayList<>();
            body.path("changed").forEach(p -> changed.add(p.asText()));
            out().println("The server at " + uri.getAuthority() + " synced: " + text(body, "previous") + " -> "
                    + text(body, "revision") + ", " + changed.size() + (changed.size() == 1 ? " path" : " paths")
                    + " changed (" + body.path("durationMs").asLong() + " ms)");
            JsonNode kept = body.path("keptAside");
            if (kept.isObject()) {
                out().println("Kept local edits on the server: " + Json.mapper().treeToValue(kept, dev.braintrust.sync.KeptAside.class).describe());
            }
            return Main.OK;
        }
        String detail = body != null && body.has("detail") ? body.get("detail").asText()
                : body != null && body.has("error") ? body.get("error").asText() : "HTTP " + response.statusCode();
        err().println("error: the server at " + uri.getAuthority() + " could not sync: " + detail
                + " (use 'brain-trust sync --once' to sync the home directly)");
        return Main.FAILED;
    }

    private static String text(JsonNode body, String field) {
        JsonNode node = body.get(field);
        return node == null || node.isNull() ? "(none)" : node.asText();
    }
}
