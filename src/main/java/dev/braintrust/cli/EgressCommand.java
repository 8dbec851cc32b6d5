package dev.braintrust.cli;

import dev.braintrust.BrainTrust;
import dev.braintrust.Config;
import dev.braintrust.context.ContextFile;
import dev.braintrust.journal.Usage;
import dev.braintrust.journal.UsageReport;
import dev.braintrust.workflow.Spending;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

@Command(name = "egress", mixinStandardHelpOptions = true,
        description = {"Show what left this machine: model calls, bytes, tokens and cost, and which context files went where.",
                "The model calls of a period are summed per provider, server, model, workflow and day (calls, bytes sent,",
                "tokens, cost), with how often each context file went to each provider.",
                "Today's spend is shown against BRAIN_TRUST_DAILY_BUDGET when it is set."})
final class EgressCommand extends BaseCommand {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT);

    @Option(names = "--since", paramLabel = "<period>", defaultValue = "7d",
            description = "How far back: 7d (default), 24h, 30m, today, or a date such as 2026-11-01.")
    String since;

    @Option(names = "--json", description = "Print the sums as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        try (BrainTrust bt = open(config())) {
            Spending spending = bt.runs().spending(since);
            if (json) {
                out().println(RunCommand.pretty().writeValueAsString(spending));
                return Main.OK;
            }
            UsageReport r = spending.period();
            PrintWriter out = out();
            Usage t = r.total();
            out.println("Since " + time(r.since()) + ": " + t.modelCalls() + (t.modelCalls() == 1 ? " model call" : " model calls")
                    + (t.modelCalls() == 0 ? "; nothing left this machine." : ", " + Bytes.human(t.bytesSent()) + " sent, "
                    + t.describeTokens() + ", " + t.describeCost() + "."));
            today(out, spending.today());
            if (t.modelCalls() > 0) {
                table(out, "By provider", r.byProvider());
                table(out, "By server", r.byHost());
                table(out, "By model", r.byModel());
                table(out, "By workflow", r.byWorkflow());
                table(out, "By day", r.byDay());
            }
            files(out, r, bt.context().snapshot().files());
            return Main.OK;
        }
    }

    private void today(PrintWriter out, Spending.Today today) {
        Config.DailyBudget budget = today.budget();
        String spent = Usage.money(today.spent().cost(), today.currency()) + String.format(Locale.ROOT, ", %,d tokens",
                today.spent().tokens());
        if (budget == null) {
            out.println("Today: " + spent + " (no daily budget: set BRAIN_TRUST_DAILY_BUDGET to have one).");
            return;
        }
        List<String> limits = new ArrayList<>();
        if (budget.cost() != null) {
            limits.add(Usage.money(budget.cost(), today.currency()));
        }
        if (budget.tokens() != null) {
            limits.add(String.format(Locale.ROOT, "%,d tokens", budget.tokens()));
        }
        out.println("Today: " + spent + " of the daily budget of " + String.join(" and ", limits) + " (BRAIN_TRUST_DAILY_BUDGET)"
                + (today.exhausted() == null ? "." : " — spent: runs stop before their first model call."));
    }

    private static void table(PrintWriter out, String title, List<UsageReport.Group> groups) {
        out.println();
        out.println(title + ":");
        int width = groups.stream().mapToInt(g -> g.key().length()).max().orElse(0);
        for (UsageReport.Group g : groups) {
            Usage u = g.usage();
            out.printf(Locale.ROOT, "  %-" + width + "s  %5d %s  %10s  %s, %s%n", g.key(), u.modelCalls(),
                    u.modelCalls() == 1 ? "call " : "calls", Bytes.human(u.bytesSent()), u.describeTokens(), u.describeCost());
        }
    }

    /** Each file of the current snapshot and where it went, then files of the period no longer in the snapshot. */
    private static void files(PrintWriter out, UsageReport r, List<ContextFile> current) {
        Map<String, List<UsageReport.FileEgress>> byFile = new LinkedHashMap<>();
        current.forEach(f -> byFile.put(f.name(), new ArrayList<>()));
        r.files().forEach(f -> byFile.computeIfAbsent(f.file(), k -> new ArrayList<>()).add(f));
        out.println();
        out.println("Context files, and how many model calls carried each to each provider:");
        int width = byFile.keySet().stream().mapToInt(String::length).max().orElse(0);
        for (Map.Entry<String, List<UsageReport.FileEgress>> e : byFile.entrySet()) {
            String privacy = current.stream().filter(f -> f.name().equals(e.getKey())).map(f -> f.privacy().label())
                    .findFirst().orElse("no longer in the context");
            String where = e.getValue().isEmpty() ? "went nowhere"
                    : "went to " + e.getValue().stream().map(f -> f.provider() + " " + f.calls() + (f.calls() == 1 ? " time" : " times"))
                    .collect(Collectors.joining(", ")) + " (last " + time(e.getValue().stream().map(UsageReport.FileEgress::lastSent)
                    .max(java.util.Comparator.naturalOrder()).orElseThrow()) + ")";
            out.printf(Locale.ROOT, "  %-" + width + "s  %-7s %s%n", e.getKey(), privacy, where);
        }
    }

    private static String time(java.time.Instant instant) {
        return TIME.format(instant.atZone(ZoneId.systemDefault()));
    }
}
