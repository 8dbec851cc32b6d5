package dev.braintrust.journal;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * What left the machine over a period, summed from the egress ledger: per provider, server, model,
 * workflow and day, and which context file went to which provider how often
 * ("BELIEFS.md went to anthropic 14 times").
 *
 * @param since    the start of the period
 * @param until    when the report was made
 * @param total    every call of the period
 * @param files    per context file and provider: how many calls carried it
 */
public record UsageReport(Instant since, Instant until, Usage total, List<Group> byProvider, List<Group> byHost,
                          List<Group> byModel, List<Group> byWorkflow, List<Group> byDay, List<FileEgress> files) {
    /** One line of a breakdown: its key (a provider, host, model, workflow or day) and the sum of its calls. */
    public record Group(String key, Usage usage) {
    }

    /** How many model calls carried a context file to a provider, and the last time one did. */
    public record FileEgress(String file, String provider, int calls, Instant lastSent) {
    }

    public UsageReport {
        byProvider = List.copyOf(byProvider);
        byHost = List.copyOf(byHost);
        byModel = List.copyOf(byModel);
        byWorkflow = List.copyOf(byWorkflow);
        byDay = List.copyOf(byDay);
        files = List.copyOf(files);
    }

    static UsageReport of(Instant since, Instant until, List<LedgerTables.Row> rows, List<FileEgress> files, ZoneId zone) {
        List<ModelCallRecord> calls = rows.stream().map(LedgerTables.Row::call).toList();
        return new UsageReport(since, until, Usage.of(calls),
                group(rows, r -> r.call().provider()),
                group(rows, r -> r.call().host() == null ? "(unknown)" : r.call().host()),
                group(rows, r -> r.call().provider() + " " + r.call().model()),
                group(rows, LedgerTables.Row::workflow),
                group(rows, r -> LocalDate.ofInstant(r.call().at(), zone).toString()),
                files);
    }

    private static List<Group> group(List<LedgerTables.Row> rows, Function<LedgerTables.Row, String> key) {
        Map<String, List<ModelCallRecord>> groups = new TreeMap<>();
        for (LedgerTables.Row row : rows) {
            groups.computeIfAbsent(key.apply(row), k -> new ArrayList<>()).add(row.call());
        }
        return groups.entrySet().stream().map(e -> new Group(e.getKey(), Usage.of(e.getValue()))).toList();
    }
}
