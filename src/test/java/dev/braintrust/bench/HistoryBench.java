package dev.braintrust.bench;

import dev.braintrust.Config;
import dev.braintrust.context.FolderContextSource;
import dev.braintrust.history.History;
import dev.braintrust.history.HistoryPage;
import dev.braintrust.history.LocalHistory;
import dev.braintrust.home.PaiHome;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * History figures for issue 15 (run by bench/history.sh, not a unit test), each beside the standard tool doing the
 * same work on the same files in the same run ({@code git add -A && git commit}, {@code git log}):
 * <ul>
 *   <li>the cost of recording a version of a home of 200 context files of 10 KiB: one file edited, nothing
 *       changed, and the first version; and a snapshot load in local mode against the folder alone;</li>
 *   <li>listing a history of 10,000 versions: the first page after opening (the index is built), a warm page, a
 *       page filtered by a file, a deep page.</li>
 * </ul>
 * Usage: HistoryBench <empty work dir>
 */
public final class HistoryBench {
    private static final int FILES = 200;
    private static final int FILE_BYTES = 10 * 1024;
    private static final int VERSIONS = 10_000;
    private static final Config.HistorySettings SETTINGS = new Config.HistorySettings(Duration.ofDays(90), Duration.ZERO);

    public static void main(String[] args) throws Exception {
        Path work = Path.of(args[0]);
        boolean git = gitAvailable();
        recording(work.resolve("record"), git);
        listing(work.resolve("list"), git);
    }

    // --- recording ------------------------------------------------------------------------------

    private static void recording(Path root, boolean git) throws Exception {
        PaiHome home = new PaiHome(root.resolve("home"));
        Path anchor = root.resolve("anchor");
        Random random = new Random(42);
        Files.createDirectories(home.context());
        Files.createDirectories(anchor.resolve("context"));
        for (int i = 0; i < FILES; i++) {
            String name = i < 4 ? new String[]{"MISSION", "GOALS", "BELIEFS", "IDENTITY"}[i] : String.format("NOTE_%03d", i);
            String text = text(random, FILE_BYTES);
            Files.writeString(home.context().resolve(name + ".md"), text);
            Files.writeString(anchor.resolve("context").resolve(name + ".md"), text);
        }
        try (LocalHistory history = LocalHistory.open(home, SETTINGS, Clock.systemUTC())) {
            long t0 = System.nanoTime();
            history.record(History.EDIT, null);
            double first = (System.nanoTime() - t0) / 1e6;
            if (git) {
                run(anchor, "git", "init", "-q", "-b", "main");
                run(anchor, "git", "config", "user.email", "bench@example.org");
                run(anchor, "git", "config", "user.name", "bench");
            }
            long g0 = System.nanoTime();
            if (git) {
                gitCommit(anchor);
            }
            double gitFirst = (System.nanoTime() - g0) / 1e6;
            for (int i = 0; i < 30; i++) { // warm up the JIT
                edit(home.root(), random, i);
                history.record(History.EDIT, null);
            }
            int n = 200;
            long[] edited = new long[n];
            long[] gitEdited = new long[n];
            for (int i = 0; i < n; i++) {
                String content = edit(home.root(), random, i);
                long s = System.nanoTime();
                if (history.record(History.EDIT, null).isEmpty()) {
                    throw new IllegalStateException("an edit recorded no version");
                }
                edited[i] = System.nanoTime() - s;
                if (git) {
                    Files.writeString(anchor.resolve("context/NOTE_" + String.format("%03d", 4 + i % (FILES - 4)) + ".md"), content);
                    long gs = System.nanoTime();
                    gitCommit(anchor);
                    gitEdited[i] = System.nanoTime() - gs;
                }
            }
            long[] unchanged = new long[n];
            for (int i = 0; i < n; i++) {
                long s = System.nanoTime();
                history.record(History.EDIT, null);
                unchanged[i] = System.nanoTime() - s;
            }
            FolderContextSource folder = new FolderContextSource(home.context(), Clock.systemUTC());
            var local = history.contextSource(folder);
            long[] folderOnly = new long[n];
            long[] withRevision = new long[n];
            for (int i = 0; i < n; i++) {
                long s = System.nanoTime();
                folder.load();
                folderOnly[i] = System.nanoTime() - s;
                s = System.nanoTime();
                local.load();
                withRevision[i] = System.nanoTime() - s;
            }
            System.out.printf("record a version, home of %d context files x 10 KiB, one file edited: p50 %.2f ms, p95 %.2f ms (%d versions)%n",
                    FILES, p(edited, 50), p(edited, 95), n);
            if (git) {
                System.out.printf("  anchor, the git program on a copy (git add -A && git commit -q): p50 %.2f ms, p95 %.2f ms; ours is %.1fx faster at p50%n",
                        p(gitEdited, 50), p(gitEdited, 95), p(gitEdited, 50) / p(edited, 50));
            }
            System.out.printf("record with nothing changed (a burst that ended where it began): p50 %.2f ms, p95 %.2f ms%n",
                    p(unchanged, 50), p(unchanged, 95));
            System.out.printf("first version of the home (%d new files): %.1f ms%s%n", FILES, first,
                    git ? String.format(" (git add -A && git commit: %.1f ms)", gitFirst) : "");
            System.out.printf("local snapshot load with its version id (folder read + home scan): p50 %.2f ms, p95 %.2f ms; "
                    + "the folder alone: p50 %.2f ms, p95 %.2f ms%n", p(withRevision, 50), p(withRevision, 95),
                    p(folderOnly, 50), p(folderOnly, 95));
        }
    }

    private static String edit(Path home, Random random, int i) throws IOException {
        String content = "edit " + i + "\n" + text(random, FILE_BYTES);
        Files.writeString(home.resolve("context/NOTE_" + String.format("%03d", 4 + i % (FILES - 4)) + ".md"), content);
        return content;
    }

    private static void gitCommit(Path repo) throws Exception {
        run(repo, "git", "add", "-A");
        run(repo, "git", "commit", "-q", "--no-gpg-sign", "-m", "edit");
    }

    // --- listing --------------------------------------------------------------------------------

    private static void listing(Path root, boolean git) throws Exception {
        PaiHome home = new PaiHome(root.resolve("home"));
        Files.createDirectories(home.context());
        Random random = new Random(7);
        for (int i = 0; i < 10; i++) {
            Files.writeString(home.context().resolve("FILE_" + i + ".md"), text(random, 2048));
        }
        Files.writeString(home.context().resolve("RARE.md"), "rarely changed\n");
        long t0 = System.nanoTime();
        try (LocalHistory history = LocalHistory.open(home, SETTINGS, Clock.systemUTC())) {
            for (int v = 0; v < VERSIONS; v++) {
                Files.writeString(home.context().resolve("FILE_" + (v % 10) + ".md"), "version " + v + "\n" + text(random, 512));
                if (v % 1000 == 999) {
                    Files.writeString(home.context().resolve("RARE.md"), "rarely changed, at " + v + "\n");
                }
                history.record(History.EDIT, null);
            }
            history.keepRevisionsFrom(java.util.Set::of);
            history.prune(java.time.Instant.now()); // nothing is old enough to drop: it packs, as the daily pruning does
        }
        double created = (System.nanoTime() - t0) / 1e9;
        System.out.printf("created %,d versions in %.1f s (%.0f versions/s, each one file of a 11-file home edited), then packed%n",
                VERSIONS, created, VERSIONS / created);

        long[] cold = new long[5];
        for (int i = 0; i < cold.length; i++) {
            long s = System.nanoTime();
            try (LocalHistory history = LocalHistory.open(home, SETTINGS, Clock.systemUTC())) {
                HistoryPage page = history.list(null, 50, 0);
                cold[i] = System.nanoTime() - s;
                check(page, 50);
            }
        }
        try (LocalHistory history = LocalHistory.open(home, SETTINGS, Clock.systemUTC())) {
            check(history.list(null, History.MAX_PAGE, VERSIONS - 1), 1); // exactly 10,000: the oldest is the last
            for (int i = 0; i < 2_000; i++) {
                history.list(null, 50, 0);
                history.list("RARE.md", 50, 0);
            }
            int n = 1_000;
            long[] warm = new long[n];
            long[] filtered = new long[n];
            long[] deep = new long[n];
            for (int i = 0; i < n; i++) {
                long s = System.nanoTime();
                check(history.list(null, 50, 0), 50);
                warm[i] = System.nanoTime() - s;
                s = System.nanoTime();
                check(history.list("RARE.md", 50, 0), 11);
                filtered[i] = System.nanoTime() - s;
                s = System.nanoTime();
                check(history.list(null, 50, 9_000), 50);
                deep[i] = System.nanoTime() - s;
            }
            System.out.printf("list the newest 50 of %,d versions, first call after opening (index built): p50 %.1f ms, max %.1f ms  (target < 50 ms)%n",
                    VERSIONS, p(cold, 50), p(cold, 100));
            System.out.printf("list the newest 50, warm: p50 %.3f ms, p95 %.3f ms; filtered by a file changed 10 times: p50 %.3f ms, "
                    + "p95 %.3f ms; 50 from offset 9,000: p50 %.3f ms, p95 %.3f ms%n",
                    p(warm, 50), p(warm, 95), p(filtered, 50), p(filtered, 95), p(deep, 50), p(deep, 95));
        }
        if (git) {
            Path gitDir = home.state().resolve("history");
            long[] log = new long[10];
            for (int i = 0; i < log.length; i++) {
                long s = System.nanoTime();
                run(root, "git", "--git-dir", gitDir.toString(), "log", "-n", "50", "--numstat", "--format=%H %ct %s", "history");
                log[i] = System.nanoTime() - s;
            }
            long[] all = new long[5];
            for (int i = 0; i < all.length; i++) {
                long s = System.nanoTime();
                run(root, "git", "--git-dir", gitDir.toString(), "log", "--format=%H %ct %s", "history");
                all[i] = System.nanoTime() - s;
            }
            System.out.printf("  anchor, the git program on the same repository: log -n 50 --numstat p50 %.1f ms; log of all %,d p50 %.1f ms%n",
                    p(log, 50), VERSIONS, p(all, 50));
        }
    }

    private static void check(HistoryPage page, int expected) {
        if (page.versions().size() != expected) {
            throw new IllegalStateException("listed " + page.versions().size() + " versions, not " + expected);
        }
    }

    // --- helpers ---------------------------------------------------------------------------------

    private static double p(long[] nanos, int percentile) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        int index = Math.min(sorted.length - 1, (int) Math.ceil(percentile / 100.0 * sorted.length) - 1);
        return sorted[Math.max(0, index)] / 1e6;
    }

    private static boolean gitAvailable() {
        try {
            return new ProcessBuilder("git", "--version").redirectErrorStream(true).start().waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            System.out.println("(git is not installed: the anchors are left out)");
            return false;
        }
    }

    private static void run(Path dir, String... command) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(command));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed");
        }
    }

    private static String text(Random random, int bytes) {
        StringBuilder sb = new StringBuilder(bytes);
        String[] words = {"goal", "mission", "belief", "identity", "write", "ship", "read", "focus", "data", "owner"};
        while (sb.length() < bytes - 12) {
            sb.append(words[random.nextInt(words.length)]).append(sb.length() % 80 < 8 ? '\n' : ' ');
        }
        return sb.toString();
    }
}
