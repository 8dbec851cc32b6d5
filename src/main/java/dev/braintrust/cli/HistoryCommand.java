package dev.braintrust.cli;

import dev.braintrust.BrainTrust;
import dev.braintrust.history.FileChange;
import dev.braintrust.history.HistoryPage;
import dev.braintrust.history.Version;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.stream.Collectors;

@Command(name = "history", mixinStandardHelpOptions = true,
        header = "List the versions of context/, skills/ and workflows/, newest first, with the files each changed.",
        description = {"The versions of context/, skills/ and workflows/, newest first: when, what made them (edit,",
                "restore, a commit of the home's own repository, or in cloud mode the repository's commits), and the",
                "files each changed with lines added and deleted. Local mode records a version after every burst of edits",
                "while a server runs, and this command records what changed since the newest version first.",
                "See 'brain-trust diff' to compare versions and 'brain-trust restore' (local) or 'brain-trust pin'",
                "(cloud) to go back."})
final class HistoryCommand extends BaseCommand {
    static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);

    @Parameters(index = "0", arity = "0..1", paramLabel = "<file>",
            description = "Only the versions that changed this file (context/MISSION.md, or MISSION.md).")
    String file;

    @Option(names = "--limit", paramLabel = "<n>", defaultValue = "30", description = "How many versions (default 30, at most 1000).")
    int limit;

    @Option(names = "--offset", paramLabel = "<n>", defaultValue = "0", description = "Skip this many of the newest.")
    int offset;

    @Option(names = "--json", description = "Print the page as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (limit < 1 || limit > 1000 || offset < 0) {
            throw new dev.braintrust.BrainTrustException.BadInput("--limit takes 1 to 1000 and --offset 0 or more");
        }
        try (BrainTrust bt = open(config())) {
            bt.history().catchUp();
            HistoryPage page = bt.history().list(file, limit, offset);
            if (json) {
                out().println(RunCommand.pretty().writeValueAsString(page));
                return Main.OK;
            }
            if (page.versions().isEmpty()) {
                out().println(file == null ? "No versions yet." : "No version changed " + file + ".");
                return Main.OK;
            }
            for (Version v : page.versions()) {
                out().println(line(v));
            }
            if (page.more()) {
                out().println("… older versions: --offset " + (offset + limit));
            }
            return Main.OK;
        }
    }

    static String line(Version v) {
        String when = v.time() == null ? "(time unknown)     " : TIME.format(v.time().atZone(ZoneId.systemDefault()));
        String what = v.files().isEmpty() ? "(no files of the home changed)" : v.files().stream().limit(6)
                .map(HistoryCommand::change).collect(Collectors.joining(", ")) + (v.files().size() > 6 ? ", …" : "");
        String words = v.message() == null ? "" : (v.author() == null ? "" : v.author() + ": ")
                + v.message().lines().findFirst().orElse("") + " — ";
        return (v.current() ? "* " : "  ") + v.id().substring(0, Math.min(12, v.id().length())) + "  " + when + "  "
                + String.format(Locale.ROOT, "%-7s ", v.source()) + words + what;
    }

    private static String change(FileChange c) {
        String sign = switch (c.change()) {
            case FileChange.ADDED -> "new ";
            case FileChange.DELETED -> "deleted ";
            default -> "";
        };
        return sign + c.path() + (c.binary() ? " (binary)" : " (+" + c.additions() + " -" + c.deletions() + ")");
    }
}
