package dev.braintrust.context;

import com.fasterxml.jackson.databind.JsonNode;
import dev.braintrust.Json;
import dev.braintrust.testing.Launcher;
import dev.braintrust.testing.Poll;
import dev.braintrust.testing.RemoteFixture;
import dev.braintrust.testing.ServedProcess;
import dev.braintrust.testing.TestHome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 11 points 5 and 6, reproduced the way they happened: the server started by the launcher
 * (its -Xmx128m included), with a context file far larger than its heap or one that is not a file.
 */
class HugeContextFilesTest {
    @TempDir
    Path dir;

    /** Text that does not compress: base64 of random bytes, in lines. */
    static void writeIncompressible(Path file, long bytes) throws IOException {
        Files.createDirectories(file.getParent());
        SecureRandom random = new SecureRandom();
        byte[] raw = new byte[75];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long written = 0; written < bytes; written += 101) {
                random.nextBytes(raw);
                out.write(Base64.getEncoder().encode(raw));
                out.write('\n');
            }
        }
    }

    ServedProcess serve(Map<String, String> env) throws IOException {
        return ServedProcess.start(Launcher.install(dir).command(dir, env, "serve", "--port", "0"),
                Files.createTempFile(dir, "serve", ".log"), Duration.ofSeconds(90));
    }

    static JsonNode json(HttpResponse<String> r) throws IOException {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Json.mapper().readTree(r.body());
    }

    @Test
    void a_30_mb_local_context_file_is_skipped_and_the_server_starts_and_stays_up() throws Exception {
        Path home = TestHome.create(dir.resolve("home"));
        Files.writeString(home.resolve("context/NOTES.md"), "x".repeat(30_000_000)); // 30 MB on one line
        try (ServedProcess server = serve(Map.of("PAI_HOME", home.toString()))) {
            JsonNode context = json(server.get("/api/v1/context"));
            assertThat(context.path("files").findValuesAsText("name")).contains("MISSION.md").doesNotContain("NOTES.md");
            assertThat(context.path("warnings").toString()).contains("context/NOTES.md is 28.6 MiB, over the limit of 1 MiB");
            assertThat(server.get("/api/v1/context/NOTES").statusCode()).isEqualTo(404);
            assertThat(json(server.get("/api/v1/status")).path("warnings").toString()).contains("NOTES.md is 28.6 MiB");
            assertThat(server.get("/health").statusCode()).isEqualTo(200);
            assertThat(server.process.isAlive()).isTrue();
        }
    }

    @Test
    void a_named_pipe_and_a_folder_in_context_neither_hang_reads_nor_go_unreported() throws Exception {
        Path home = TestHome.create(dir.resolve("home"));
        assertThat(new ProcessBuilder("mkfifo", home.resolve("context/PIPE.md").toString()).start().waitFor()).isZero();
        Files.createDirectories(home.resolve("context/NOTES.md"));
        try (ServedProcess server = serve(Map.of("PAI_HOME", home.toString()))) {
            long t0 = System.nanoTime();
            JsonNode context = json(server.get("/api/v1/context"));
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
            assertThat(context.path("warnings").toString()).contains("context/PIPE.md is a named pipe, socket or device, not a file")
                    .contains("context/NOTES.md is a folder, not a file");
            assertThat(server.get("/ready").statusCode()).isEqualTo(200);
            assertThat(json(server.post("/api/v1/context/invalidate", "")).has("revision")).isTrue();
        }
    }

    @Test
    void a_pushed_40_mb_context_file_is_synced_skipped_and_every_restart_still_serves() throws Exception {
        RemoteFixture remote = RemoteFixture.create(dir.resolve("git"), "main");
        remote.commitAndPush("small", "context/MISSION.md", "the mission", "context/GOALS.md", "g", "context/BELIEFS.md", "b");
        Map<String, String> env = Map.of("PAI_HOME", dir.resolve("cloud-home").toString(), "BRAIN_TRUST_GIT_URL", remote.url(),
                "BRAIN_TRUST_SYNC_INTERVAL", "0");
        String big;
        try (ServedProcess server = serve(env)) {
            Poll.until(Duration.ofSeconds(60), "the first sync", () -> server.status("/ready") == 200);
            writeIncompressible(remote.work.resolve("context/NOTES.md"), 40_000_000);
            big = remote.commitAll("forty megabytes of notes");
            remote.push();

            JsonNode synced = json(server.post("/api/v1/sync", ""));
            assertThat(synced.path("revision").asText()).isEqualTo(big);
            JsonNode context = json(server.get("/api/v1/context"));
            assertThat(context.path("revision").asText()).isEqualTo(big);
            assertThat(context.path("warnings").toString()).contains("context/NOTES.md is 38.1 MiB, over the limit of 1 MiB");
            assertThat(server.get("/api/v1/context/MISSION").body()).isEqualTo("the mission");
            assertThat(server.process.isAlive()).isTrue();
        }
        remote.close();
        for (int restart = 1; restart <= 1; restart++) {
            try (ServedProcess server = serve(env)) {
                Poll.until(Duration.ofSeconds(60), "ready after restart", () -> server.status("/ready") == 200);
                assertThat(json(server.get("/api/v1/context")).path("revision").asText()).isEqualTo(big);
                assertThat(server.get("/health").statusCode()).isEqualTo(200);
            }
        }
        assertThat(Files.readString(dir.resolve("cloud-home/context/MISSION.md"), StandardCharsets.UTF_8)).isEqualTo("the mission");
    }
}
