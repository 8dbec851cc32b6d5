package dev.braintrust.cli;

import dev.braintrust.BrainTrust;
import dev.braintrust.BrainTrustException;
import dev.braintrust.Config;
import dev.braintrust.Json;
import dev.braintrust.StatusReport;
import dev.braintrust.sync.SyncStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Show the mode, the source of truth, the context revision, the files loaded and missing, and the skills found.",
                "When a server runs on this home (state/server.json), this is that server's status, with its own settings",
                "(interval, webhook); --url asks another server. Otherwise the home as its files say."})
final class StatusCommand extends BaseCommand {
    @Option(names = "--json", description = "Print the status as JSON.")
    boolean json;

    @Option(names = "--url", paramLabel = "<url>",
            description = "The server to ask (default: the server of this home, from state/server.json).")
    String url;

    @Override
    public Integer call() throws Exception {
        Config config = config();
        Optional<HomeServer.Target> server = HomeServer.find(url, config.home());
        if (server.isPresent()) {
            HttpResponse<String> response = HomeServer.send(server.get(), "GET", "/api/v1/status", config.apiKey(),
                    Duration.ofSeconds(30));
            if (response.statusCode() != 200) {
                throw new BrainTrustException.Unavailable(HomeServer.problem(server.get(), response));
            }
            if (json) {
                out().println(response.body());
                return Main.OK;
            }
            out().println("Server:      " + server.get().name() + "; what follows is its status");
            print(Json.mapper().readValue(response.body(), StatusReport.class));
            return Main.OK;
        }
        try (BrainTrust bt = open(followingThisHome(config))) {
            StatusReport s = bt.status();
            if (json) {
                out().println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(s));
                return Main.OK;
            }
            out().println("Server:      none runs on this home; what follows is read from its files");
            print(s);
            return Main.OK;
        }
    }

    private void print(StatusReport s) {
        out().println("Mode:        " + s.mode() + " — the source of truth is " + s.sourceOfTruth());
        out().println("Home:        " + s.home());
        if (s.sync() != null) {
            printSync(s.sync());
        }
        out().println("Context:     " + (s.revision() == null ? "no snapshot yet" : "revision " + s.revision() + ", loaded "
                + DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(s.contextLoadedAt().atZone(ZoneId.systemDefault()).withNano(0))));
        out().println("  files:     " + list(s.contextFiles()));
        out().println("  missing:   " + list(s.missing()));
        out().println("Skills:      " + s.skills().size() + (s.skills().isEmpty() ? "" : " (" + String.join(", ", s.skills()) + ")"));
        s.skippedSkills().forEach(k -> out().println("  skipped:   skills/" + k.file() + " — " + k.reason()));
        out().println("Workflows:   " + s.workflows().size() + (s.workflows().isEmpty() ? "" : " (" + String.join(", ", s.workflows()) + ")"));
        out().println("Providers:   " + list(s.providers()));
        if (!s.warnings().isEmpty()) {
            out().println("Warnings:");
            s.warnings().forEach(w -> out().println("  - " + w));
        }
    }

    private void printSync(SyncStatus sync) {
        out().println("Sync:        " + (sync.lastSyncAt() == null ? "no sync yet"
                : "last " + time(sync.lastSyncAt()) + " — " + sync.lastOutcome()
                + (sync.lastRevision() == null ? "" : " at " + sync.lastRevision())
                + (sync.lastDurationMs() == null ? "" : " (" + sync.lastDurationMs() + " ms)")));
        if (sync.lastError() != null) {
            out().println("  error:     " + sync.lastError());
            out().println("  last good: " + (sync.lastSuccessAt() == null ? "never" : time(sync.lastSuccessAt()))
                    + (sync.revision() == null ? "" : ", still serving " + sync.revision()));
        }
        out().println("  periodic:  " + (sync.interval().isZero() ? "off (BRAIN_TRUST_SYNC_INTERVAL=0)"
                : "every " + sync.interval().toString().substring(2).toLowerCase(java.util.Locale.ROOT)
                + (sync.nextSyncAt() == null ? "" : ", next " + time(sync.nextSyncAt()))));
        out().println("  webhook:   " + (sync.webhookEnabled() ? "on (POST /api/v1/webhook/sync-context)" : "off (set WEBHOOK_SECRET)"));
        out().println("  note:      " + sync.note());
    }

    private static String time(java.time.Instant instant) {
        return DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(instant.atZone(ZoneId.systemDefault()).withNano(0));
    }

    private static String list(List<String> items) {
        return items.isEmpty() ? "(none)" : String.join(", ", items);
    }
}
