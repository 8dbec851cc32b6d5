package dev.braintrust.cli;

import dev.braintrust.BrainTrust;
import dev.braintrust.BrainTrustException;
import dev.braintrust.Config;
import dev.braintrust.Json;
import dev.braintrust.StatusReport;
import dev.braintrust.sync.SyncStatus;
import dev.braintrust.workflow.ModelAliases;
import dev.braintrust.workflow.ModelStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Show the mode, the source of truth, the context revision, the files and skills found, and which models can run.",
                "Warns when the default model (BRAIN_TRUST_DEFAULT_MODEL) cannot run, with the ways to fix it, and lists the model aliases.",
                "When a server runs on this home (state/server.json), this is that server's status, with its own settings",
                "(interval, webhook); --url asks another server. Otherwise the home as its files say."})
final class StatusCommand extends BaseCommand {
    @Option(names = "--json", description = "Print the status as JSON.")
    boolean json;
    private ZoneId zone = ZoneId.systemDefault();

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
            StatusReport report = Json.mapper().readValue(response.body(), StatusReport.class);
            zone = report.timeZone() == null ? zone : ZoneId.of(report.timeZone());
            print(report);
            return Main.OK;
        }
        try (BrainTrust bt = open(followingThisHome(config))) {
            zone = bt.config().timeZone();
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
                + time(s.contextLoadedAt())));
        out().println("  files:     " + list(s.contextFiles()));
        out().println("  missing:   " + list(s.missing()));
        out().println("Skills:      " + s.skills().size() + (s.skills().isEmpty() ? "" : " (" + String.join(", ", s.skills()) + ")"));
        s.skippedSkills().forEach(k -> out().println("  skipped:   skills/" + k.file() + " — " + k.reason()));
        out().println("Workflows:   " + s.workflows().size() + (s.workflows().isEmpty() ? "" : " (" + String.join(", ", s.workflows()) + ")"));
        printModels(s.models(), s.providers());
        if (!s.warnings().isEmpty()) {
            out().println("Warnings:");
            s.warnings().forEach(w -> out().println("  - " + w));
        }
    }

    private void printModels(ModelStatus m, List<String> providers) {
        out().println("Providers:   " + list(providers));
        out().println("  ollama:    " + m.ollama());
        out().println("Default model: " + (m.defaultRoute() == null ? m.defaultModel() : m.defaultRoute())
                + " (BRAIN_TRUST_DEFAULT_MODEL)" + (m.defaultCanRun() ? "" : " — CANNOT RUN"));
        if (!m.defaultCanRun()) {
            out().println("  problem:   " + m.defaultProblem());
            for (int i = 0; i < m.fixes().size(); i++) {
                out().println((i == 0 ? "  to fix:    " : "             ") + m.fixes().get(i));
            }
        }
        out().println("Model aliases (" + ModelAliases.FILE_PATH + " adds or overrides them):");
        Map<String, List<String>> byTarget = new LinkedHashMap<>();
        m.aliases().forEach((name, target) -> byTarget.computeIfAbsent(
                target + (m.aliasesFromFile().contains(name) ? "\0" : ""), t -> new ArrayList<>()).add(name));
        byTarget.forEach((key, names) -> {
            boolean fromFile = key.endsWith("\0");
            out().println("  " + String.join(", ", names) + " → " + key.replace("\0", "")
                    + (fromFile ? "  (" + ModelAliases.FILE_PATH + ")" : ""));
        });
        m.aliasesFromFile().stream().filter(name -> !m.aliases().containsKey(name))
                .forEach(name -> out().println("  " + name + " → sent as written (built-in alias removed by " + ModelAliases.FILE_PATH + ")"));
        if (m.aliasProblem() != null) {
            out().println("  problem:   " + m.aliasProblem());
        }
    }

    private void printSync(SyncStatus sync) {
        out().println("Sync:        " + (sync.lastSyncAt() == null ? "no sync yet"
                : "last " + time(sync.lastSyncAt()) + " — " + sync.lastOutcome()
                + (sync.lastRevision() == null ? "" : " at " + sync.lastRevision())
                + (sync.lastDurationMs() == null ? "" : " (" + sync.lastDurationMs() + " ms)")));
        if (sync.branchDeleted() != null) {
            out().println("  branch:    " + sync.branchDeleted());
        }
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
        if (sync.lastKeptAside() != null) {
            out().println("  kept:      " + time(sync.lastKeptAside().time()) + " — " + sync.lastKeptAside().describe());
        }
    }

    /** In the configured zone (BRAIN_TRUST_TIMEZONE), with its offset. */
    private String time(java.time.Instant instant) {
        return DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(instant.atZone(zone).withNano(0));
    }

    private static String list(List<String> items) {
        return items.isEmpty() ? "(none)" : String.join(", ", items);
    }
}
