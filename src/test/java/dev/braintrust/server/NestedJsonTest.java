package dev.braintrust.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.braintrust.cli.CliRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static dev.braintrust.server.ApiServerTest.assertError;
import static dev.braintrust.server.ApiServerTest.json;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 11.11: JSON whose error has no location (nested past Jackson's limit) was a 500 from the
 * API, and one such file in workflows/ made status, the workflow list and {@code brain-trust status} fail.
 */
class NestedJsonTest {
    static final String DEEP = "[".repeat(500_000);

    @TempDir
    Path dir;

    @Test
    void a_body_nested_500_000_deep_is_a_400_on_every_json_route() throws Exception {
        try (TestServer t = TestServer.start(dir.resolve("home"))) {
            for (String path : new String[]{"/api/v1/run-workflow", "/api/v1/runs", "/api/v1/chat", "/api/v1/skills/current_time/run"}) {
                HttpResponse<String> r = t.post(path, DEEP);
                assertError(r, 400, "bad_request");
                assertThat(json(r).path("detail").asText()).as(path).contains("not valid JSON").contains("nesting depth");
            }
            HttpResponse<String> put = t.send(HttpRequest.newBuilder(t.uri("/api/v1/workflows/deep"))
                    .PUT(HttpRequest.BodyPublishers.ofString(DEEP)));
            assertError(put, 400, "bad_request");
            HttpResponse<String> objects = t.post("/api/v1/run-workflow", "{\"a\":".repeat(100_000));
            assertError(objects, 400, "bad_request");
            assertThat(t.get("/health").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void a_deeply_nested_workflow_file_is_a_warning_naming_it_in_status_the_workflow_list_and_the_cli() throws Exception {
        Path home = dir.resolve("home");
        try (TestServer t = TestServer.start(home)) {
            Files.writeString(home.resolve("workflows/deep.json"), "{\"nodes\":" + DEEP);
            HttpResponse<String> status = t.get("/api/v1/status");
            assertThat(status.statusCode()).as(status.body()).isEqualTo(200);
            assertThat(json(status).path("warnings").toString()).contains("workflows/deep.json").contains("nesting depth");
            HttpResponse<String> list = t.get("/api/v1/workflows");
            assertThat(list.statusCode()).as(list.body()).isEqualTo(200);
            JsonNode deep = null;
            for (JsonNode w : json(list).path("workflows")) {
                if (w.path("name").asText().equals("deep")) {
                    deep = w;
                }
            }
            assertThat(deep).as("listed").isNotNull();
            assertThat(deep.path("usable").asBoolean()).isFalse();
            assertThat(deep.path("problem").asText()).contains("workflows/deep.json");
            assertError(t.post("/api/v1/workflows/deep/run", ""), 400, "bad_request");
            assertThat(json(t.get("/api/v1/workflows")).path("workflows").size()).as("the others are still listed").isGreaterThan(1);
        }
        CliRun cli = CliRun.run(Map.of("PAI_HOME", home.toString(), "HOME", dir.toString()), "status");
        assertThat(cli.exitCode()).as(cli.err()).isZero();
        assertThat(cli.out()).contains("workflows/deep.json").contains("nesting depth");
    }
}
