package dev.braintrust.bench;

import dev.braintrust.context.ContextService;
import dev.braintrust.context.ContextSnapshot;
import dev.braintrust.context.FolderContextSource;
import dev.braintrust.home.PaiHome;
import dev.braintrust.sync.FolderWatcher;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;

/**
 * Context figures for issue 2 (run by bench/context.sh, not a unit test):
 * cold load of 200 files x 10 KiB, cached read, and edit-to-visible latency through the watcher.
 * Usage: ContextBench <empty home dir>
 */
public final class ContextBench {
    private static final int FILES = 200;
    private static final int FILE_BYTES = 10 * 1024;

    public static void main(String[] args) throws Exception {
        PaiHome home = new PaiHome(Path.of(args[0]));
        Files.createDirectories(home.context());
        Random random = new Random(42);
        for (int i = 0; i < FILES; i++) {
            String name = i < 4 ? new String[]{"MISSION", "GOALS", "BELIEFS", "IDENTITY"}[i] : String.format("NOTE_%03d", i);
            Files.writeString(home.context().resolve(name + ".md"), text(random, FILE_BYTES));
        }
        FolderContextSource source = new FolderContextSource(home.context(), Clock.systemUTC());

        for (int i = 0; i < 20; i++) {
            source.load(); // warm up the JIT; the OS page cache is warm either way
        }
        long[] cold = new long[30];
        for (int i = 0; i < cold.length; i++) {
            long t0 = System.nanoTime();
            ContextSnapshot s = source.load();
            cold[i] = System.nanoTime() - t0;
            if (s.files().size() != FILES) {
                throw new IllegalStateException("loaded " + s.files().size() + " files");
            }
        }
        Arrays.sort(cold);
        System.out.printf("cold load (200 files x 10 KiB, read + sha256 + decode): p50 %.2f ms, max %.2f ms  (target < 100 ms)%n",
                cold[cold.length / 2] / 1e6, cold[cold.length - 1] / 1e6);

        ContextService service = new ContextService(source, Duration.ofSeconds(60));
        service.snapshot();
        long sink = 0;
        for (int i = 0; i < 5_000_000; i++) {
            sink += service.snapshot().files().size();
        }
        int reads = 20_000_000;
        long t0 = System.nanoTime();
        for (int i = 0; i < reads; i++) {
            sink += service.snapshot().files().size();
        }
        double cachedNs = (System.nanoTime() - t0) / (double) reads;
        System.out.printf("cached read: %.1f ns  (target < 5000 ns)%n", cachedNs);

        long[] visible = new long[100];
        try (FolderWatcher watcher = new FolderWatcher(home.root(), PaiHome.SYNCED_FOLDERS, service::invalidate)) {
            Path goals = home.context().resolve("GOALS.md");
            for (int i = 0; i < visible.length; i++) {
                String content = "edit " + i + " " + text(random, 200);
                long start = System.nanoTime();
                Files.writeString(goals, content);
                while (!service.snapshot().text("GOALS.md").equals(content.strip())) {
                    Thread.onSpinWait();
                    if (System.nanoTime() - start > 5_000_000_000L) {
                        throw new IllegalStateException("edit " + i + " not visible after 5 s");
                    }
                }
                visible[i] = System.nanoTime() - start;
                Thread.sleep(20);
            }
        }
        Arrays.sort(visible);
        System.out.printf("edit-to-visible (watcher, TTL 60 s): p50 %.2f ms, p95 %.2f ms, max %.2f ms  (target p95 < 200 ms)%n",
                visible[50] / 1e6, visible[95] / 1e6, visible[99] / 1e6);
        System.out.printf("ours_cached_read_ns=%.1f%n", cachedNs);
        if (sink == 42) {
            System.out.println();
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
