package dev.braintrust.history;

import dev.braintrust.Config;
import dev.braintrust.home.PaiHome;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * A child process for the crash tests: records versions of a home as fast as it can, editing files before each,
 * until it is killed or has recorded {@code count} versions. Prints one line per version.
 * Usage: HistoryWriter <home> <count, 0 for no end>
 */
public final class HistoryWriter {
    public static void main(String[] args) throws Exception {
        Path home = Path.of(args[0]);
        int count = Integer.parseInt(args[1]);
        try (LocalHistory history = LocalHistory.open(new PaiHome(home),
                new Config.HistorySettings(Duration.ofDays(90), Duration.ZERO), Clock.systemUTC())) {
            if (history.problem() != null) {
                System.out.println("problem " + history.problem());
                System.exit(3);
            }
            for (int i = 1; count == 0 || i <= count; i++) {
                for (int f = 0; f < 8; f++) {
                    Files.writeString(home.resolve("context/NOTE_" + f + ".md"), "pid " + ProcessHandle.current().pid()
                            + " round " + i + " file " + f + "\n".repeat(1 + (i % 5)));
                }
                String id = history.record(History.EDIT, null).map(Version::id).orElse("unchanged");
                System.out.println("recorded " + i + " " + id);
                System.out.flush();
            }
        }
    }
}
