package dev.braintrust.cli;

import dev.braintrust.BrainTrust;
import dev.braintrust.Config;
import dev.braintrust.journal.Usage;
import dev.braintrust.workflow.PrivacyReport;
import dev.braintrust.Json;
import dev.braintrust.StatusReport;
import dev.braintrust.sync.SyncStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show the mode, the source of truth, the context revision, the files loaded and missing, and the skills found.")
final class StatusCommand extends BaseCommand {
    @Option(names = "--json", description = "Print the status as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        try (BrainTrust bt = open(config())) {
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
                    + DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(s.contextLoadedAt().atZone(ZoneId.systemDefault()).withNano(0))));
            out().println("  files:     " + list(s.contextFiles()));
            out().println("  missing:   " + list(s.missing()));
            out().println("Skills:      " + s.skills().size() + (s.skills().isEmpty() ? "" : " (" + String.join(", ", s.skills()) + ")"));
            s.skippedSkills().forEach(k -> out().println("  skipped:   skills/" + k.file() + " — " + k.reason()));
            out().println("Workflows:   " + s.workflows().size() + (s.workflows().isEmpty() ? "" : " (" + String.join(", ", s.workflows()) + ")"));
            out().println("Providers:   " + list(s.providers()));
            printPrivacy(s.privacy());
            printSpending(s);
            if (!s.warnings().isEmpty()) {
                out().println("Warnings:");
                s.warnings().forEach(w -> out().println("  - " + w));
            }
            return Main.OK;
        }
    }

    private void printPrivacy(PrivacyReport p) {
        if (!p.anyRestricted()) {
            out().println("Privacy:     every context file is public (sent to every model); front matter 'privacy: local' "
                    + "or 'privacy: never' keeps a file back");
        } else {
            out().println("Privacy:     " + p.files().stream().filter(f -> !f.privacy().equals("public"))
                    .map(f -> f.name() + " " + f.privacy() + (f.privacy().equals("local") ? " (only to local models)" : " (sent to no model)"))
                    .collect(Collectors.joining(", ")) + "; the others public");
        }
        out().println("  local:     Ollama on this machine" + (p.localModelHosts().isEmpty() ? "" : ", and " + String.join(", ",
                p.localModelHosts())) + " (BRAIN_TRUST_LOCAL_MODEL_HOSTS)");
        out().println("  MCP:       clients receive " + (p.mcpPrivacy().equals("local") ? "public and local" : "public") + " files "
                + "(BRAIN_TRUST_MCP_PRIVACY)");
        if (p.anyRestricted()) {
            // agents of one workflow that receive the same files on the same model share a line
            Map<String, List<PrivacyReport.AgentShare>> lines = new LinkedHashMap<>();
            for (PrivacyReport.AgentShare agent : p.agents()) {
                lines.computeIfAbsent(agent.workflow() + "\0" + agent.model() + "\0" + RunCommand.contextLine(agent.context()),
                        k -> new ArrayList<>()).add(agent);
            }
            for (List<PrivacyReport.AgentShare> same : lines.values()) {
                PrivacyReport.AgentShare first = same.get(0);
                out().println("  agents:    " + first.workflow() + " / " + same.stream().map(PrivacyReport.AgentShare::agent)
                        .collect(Collectors.joining(", ")) + " (" + first.model() + ") — " + RunCommand.contextLine(first.context()));
            }
        }
    }

    private void printSpending(StatusReport s) {
        StatusReport.PriceTable prices = s.prices();
        out().println("Prices:      " + (prices.empty() ? "none (" + prices.file() + " is missing or empty: costs are unknown; "
                + "'brain-trust init' writes an example)" : prices.file() + (prices.currency() == null ? "" : ", in " + prices.currency())));
        Config.DailyBudget budget = s.dailyBudget();
        if (budget == null) {
            out().println("Budget:      no daily budget (BRAIN_TRUST_DAILY_BUDGET); 'brain-trust egress' shows what was spent");
        } else {
            List<String> limits = new java.util.ArrayList<>();
            if (budget.cost() != null) {
                limits.add(Usage.money(budget.cost(), prices.currency()));
            }
            if (budget.tokens() != null) {
                limits.add(String.format(java.util.Locale.ROOT, "%,d tokens", budget.tokens()));
            }
            out().println("Budget:      " + String.join(" and ", limits) + " a day (BRAIN_TRUST_DAILY_BUDGET); 'brain-trust egress "
                    + "--since today' shows today's spend");
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
