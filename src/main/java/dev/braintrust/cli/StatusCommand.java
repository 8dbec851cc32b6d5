package dev.braintrust.cli;

import dev.braintrust.BrainTrust;
import dev.braintrust.Json;
import dev.braintrust.StatusReport;
import dev.braintrust.sync.SyncStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show the mode, the source of truth, the context revision, the files loaded and missing, and the skills found.")
final class StatusCommand extends BaseCommand {
    @Option(names = "--json", description = "Print the status as JSON.")
    boolean json;
    private ZoneId zone = ZoneId.systemDefault();

    @Override
    public Integer call() throws Exception {
        try (BrainTrust bt = open(config())) {
            zone = bt.config().timeZone();
            StatusReport s = bt.status();
            if (json) {
                out().println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(s));
                return Main.OK;
            }
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
            out().println("Providers:   " + list(s.providers()));
            if (!s.warnings().isEmpty()) {
                out().println("Warnings:");
                s.warnings().forEach(w -> out().println("  - " + w));
            }
            return Main.OK;
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
