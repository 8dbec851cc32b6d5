package dev.braintrust.cli;

import dev.braintrust.BrainTrust;
import dev.braintrust.journal.Journal;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.LocalDate;
import java.util.List;

@Command(name = "logs", mixinStandardHelpOptions = true,
        description = {"Print the journal of a day (default: the latest day with entries).",
                "The journal is Markdown in PAI_HOME/logs/YYYY-MM-DD.md."})
final class LogsCommand extends BaseCommand {
    @Parameters(index = "0", arity = "0..1", paramLabel = "<YYYY-MM-DD>", description = "The day to print.")
    String day;

    @Option(names = "--list", description = "List the days that have a journal, newest first.")
    boolean list;

    @Override
    public Integer call() {
        try (BrainTrust bt = open(config())) {
            Journal journal = bt.journal();
            List<LocalDate> days = journal.days();
            if (list) {
                if (days.isEmpty()) {
                    out().println("The journal is empty: entries are written to " + bt.home().logs() + " when agents run.");
                }
                days.forEach(d -> out().println(d));
                return Main.OK;
            }
            if (day == null) {
                if (days.isEmpty()) {
                    out().println("The journal is empty: entries are written to " + bt.home().logs() + " when agents run.");
                    return Main.OK;
                }
                day = days.get(0).toString();
            }
            out().print(journal.read(day));
            out().flush();
            return Main.OK;
        }
    }
}
