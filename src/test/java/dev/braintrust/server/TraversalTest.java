package dev.braintrust.server;

import dev.braintrust.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Names from the URL must never reach a file outside their folder: every attempt is answered 400
 * or 404 as JSON, and no secret planted beside the folders ever appears in a response.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TraversalTest {
    static final String SECRET = "SECRET-MARKER-7f3a";
    static final List<String> ATTEMPTS = List.of(
            "..", "../SECRET.md", "..%2FSECRET.md", "..%2F..%2Fetc%2Fpasswd", "%2e%2e", "%2e%2e%2fSECRET.md",
            "%2E%2E%2F%2E%2E%2Fsecret.txt", "..%5CSECRET.md", "%2Fetc%2Fpasswd", "%2F..%2Foutside.md",
            "/etc/passwd", "//etc/passwd", "%00", "MISSION.md%00", "SECRET.md%00.md", "..%00/SECRET.md",
            ".%2e/SECRET.md", "%252e%252e%252fSECRET.md", "....//SECRET.md", "..;/SECRET.md", "%c0%ae%c0%ae/SECRET.md",
            "state%2F..%2F..%2FSECRET.md", "2026-01-01%2F..%2F..%2FSECRET", "..%2Fcontext%2FMISSION.md");

    TestServer t;

    @BeforeAll
    void start(@TempDir Path root) throws Exception {
        Path home = root.resolve("home");
        t = TestServer.start(home);
        Files.writeString(home.resolve("SECRET.md"), SECRET);
        Files.writeString(home.resolve("state/SECRET.md"), SECRET);
        Files.writeString(home.resolve("logs/SECRET.md"), SECRET);
        Files.writeString(root.resolve("outside.md"), SECRET);
        Files.writeString(root.resolve("secret.txt"), SECRET);
        Files.createDirectories(home.resolve("context/sub"));
        Files.writeString(home.resolve("context/sub/SECRET.md"), SECRET);
    }

    @AfterAll
    void stop() {
        t.close();
    }

    List<String> paths() {
        List<String> paths = new ArrayList<>();
        for (String a : ATTEMPTS) {
            paths.add("GET /api/v1/context/" + a);
            paths.add("GET /api/v1/logs/" + a);
            paths.add("POST /api/v1/skills/" + a + "/run");
        }
        return paths;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("paths")
    void a_name_from_the_url_never_escapes_its_folder(String request) throws Exception {
        String[] parts = request.split(" ", 2);
        TestServer.RawResponse r = t.raw(parts[0], parts[1], "Content-Length", "0");
        assertThat(r.status()).as(r.body()).isIn(400, 404);
        assertThat(r.body()).doesNotContain(SECRET).doesNotContain("root:x:0");
        assertThat(r.head()).containsIgnoringCase("Content-Type: application/json");
        assertThat(Json.mapper().readTree(r.body()).path("error").asText()).isIn("bad_request", "not_found");
    }

    /** The attempts java.net.URI accepts as they are (it rejects or rewrites the others, which the raw test covers). */
    List<String> clientPaths() {
        return paths().stream().filter(p -> !p.contains("//")).toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clientPaths")
    void the_same_attempts_with_the_http_client_fail_the_same_way(String request) throws Exception {
        String[] parts = request.split(" ", 2);
        var response = parts[0].equals("GET") ? t.get(parts[1]) : t.post(parts[1], "");
        assertThat(response.statusCode()).as(response.body()).isIn(400, 404);
        assertThat(response.body()).doesNotContain(SECRET);
    }
}
