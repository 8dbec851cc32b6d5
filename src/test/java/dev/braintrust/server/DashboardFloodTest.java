package dev.braintrust.server;

import dev.braintrust.testing.HttpFlood;
import dev.braintrust.testing.ServerProcess;
import dev.braintrust.testing.TestHome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 11.2: every unknown name under the dashboard's public file routes was remembered, forever;
 * 300k names filled the old generation of a server with the launcher's 128 MiB heap. Against a child
 * JVM with the launcher's options.
 */
class DashboardFloodTest {
    static final long NAMES = 200_000;
    static final long MIB = 1024 * 1024;

    @TempDir
    Path dir;

    @Test
    void two_hundred_thousand_unknown_file_names_are_404s_that_leave_the_heap_as_it_was() throws Exception {
        Path home = TestHome.create(dir.resolve("home"));
        try (ServerProcess server = ServerProcess.start(home, Map.of("HOME", dir.toString()))) {
            assertThat(server.get("/js/app.js").statusCode()).isEqualTo(200);
            Map<Integer, Long> warm = HttpFlood.get(server.url, 5_000, 2, i -> "/js/warm-" + i + ".js");
            assertThat(warm).containsOnlyKeys(404);
            long before = server.heapUsedAfterGc();

            Map<Integer, Long> flood = HttpFlood.get(server.url, NAMES, 4,
                    i -> (i % 2 == 0 ? "/js/" : "/js/pages/") + "unknown-" + i + "-" + Long.toHexString(i * 2654435761L) + ".js");
            long after = server.heapUsedAfterGc();

            assertThat(flood).as("every unknown name is a 404").containsExactly(Map.entry(404, NAMES));
            assertThat(server.get("/js/app.js").statusCode()).as("known files are still served").isEqualTo(200);
            assertThat((after - before) / (double) MIB).as("heap after minus before, MiB (before %d MiB)", before / MIB)
                    .isLessThan(10);
            assertThat(server.healthMillis()).isBetween(0L, 1000L);
        }
    }
}
