package dev.braintrust.cli;

import dev.braintrust.BrainTrust;
import dev.braintrust.BrainTrustException;
import dev.braintrust.Config;
import dev.braintrust.journal.Usage;
import dev.braintrust.workflow.PrivacyReport;
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
import java.util.stream.Collectors;

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
        if (s.privacy() != null) {
            printPrivacy(s.privacy());
        }
        if (s.prices() != null) {
            printSpending(s);
        }
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
