package dev.braintrust.cli;

import dev.braintrust.BrainTrust;
import dev.braintrust.Json;
import dev.braintrust.StatusReport;
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
            out().println("Context:     revision " + s.revision() + ", loaded "
                    + DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(s.contextLoadedAt().atZone(ZoneId.systemDefault()).withNano(0)));
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

    private static String list(List<String> items) {
        return items.isEmpty() ? "(none)" : String.join(", ", items);
    }
}
