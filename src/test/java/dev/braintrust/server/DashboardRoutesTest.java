package dev.braintrust.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.braintrust.Json;
import dev.braintrust.journal.JournalEntry;
import dev.braintrust.testing.Files2;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static dev.braintrust.server.ApiServerTest.assertError;
import static dev.braintrust.server.ApiServerTest.json;
import static org.assertj.core.api.Assertions.assertThat;

/** The dashboard's files and the small routes it adds, over real HTTP. */
class DashboardRoutesTest {
    static final String KEY = "dashboard-key-0123456789abcdef";
    static final Path UI = Path.of("src/main/resources/ui");

    @TempDir
    Path home;

    HttpResponse<String> put(TestServer t, String path, String body, String... headers) throws Exception {
        return t.send(HttpRequest.newBuilder(t.uri(path)).PUT(HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json"), headers);
    }

    @Test
    void the_index_of_served_files_lists_every_file_of_the_ui_folder_and_nothing_else() throws Exception {
        List<String> onDisk;
        try (Stream<Path> files = Files.walk(UI)) {
            onDisk = files.filter(Files::isRegularFile).map(f -> UI.relativize(f).toString().replace('\\', '/'))
                    .filter(f -> !f.equals(Dashboard.INDEX)).sorted().toList();
        }
        assertThat(Dashboard.readAll().keySet()).as("ui/%s must list each file of src/main/resources/ui", Dashboard.INDEX)
                .containsExactlyInAnyOrderElementsOf(onDisk);
    }

    @Test
    void an_unknown_name_under_a_file_route_is_a_json_404() throws Exception {
        try (TestServer t = TestServer.start(home, Map.of("BRAIN_TRUST_API_KEY", KEY))) {
            for (String path : List.of("/js/nope.js", "/js/pages/nope.js", "/js/files.txt", "/js/..%2Fapp.css", "/js/pages/app.js")) {
                assertError(t.get(path), 404, "not_found");
            }
            assertThat(t.get("/js/pages/runs.js").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void the_page_and_its_files_are_open_while_the_api_still_needs_the_key() throws Exception {
        try (TestServer t = TestServer.start(home, Map.of("BRAIN_TRUST_API_KEY", KEY))) {
            HttpResponse<String> page = t.get("/");
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/html"));
            assertThat(page.body()).contains("<script type=\"module\" src=\"/js/app.js\"></script>");
            assertThat(page.headers().firstValue("Content-Security-Policy")).hasValue(Dashboard.CONTENT_SECURITY_POLICY);
            assertThat(page.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
            assertThat(t.get("/app.css").headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/css"));
            assertThat(t.get("/js/app.js").headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).contains("javascript"));

            assertError(t.get("/api/v1/status"), 401, "unauthorized");
            assertError(t.get("/metrics"), 401, "unauthorized");
            assertThat(t.get("/api/v1/status", "X-API-Key", KEY).statusCode()).isEqualTo(200);
            assertError(t.get("/api/v1/app.css", "X-API-Key", KEY), 404, "not_found");
            assertError(t.get("/no-such-file.js"), 404, "not_found");
            assertThat(t.post("/", "{}").statusCode()).isNotEqualTo(200);
        }
    }

    @Test
    void the_root_answers_the_originals_json_to_a_json_client_and_the_page_to_a_browser() throws Exception {
        try (TestServer t = TestServer.start(home, Map.of())) {
            HttpResponse<String> json = t.get("/", "Accept", "application/json");
            assertThat(json.statusCode()).isEqualTo(200);
            assertThat(json.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
            JsonNode body = Json.mapper().readTree(json.body());
            assertThat(body.path("status").asText()).isEqualTo("active");
            assertThat(body.path("message").asText()).isNotBlank();
            assertThat(json.headers().allValues("Vary")).anySatisfy(v -> assertThat(v).contains("Accept"));

            HttpResponse<String> browser = t.get("/", "Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");
            assertThat(browser.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/html"));
            assertThat(browser.body()).contains("<script type=\"module\" src=\"/js/app.js\"></script>");
            assertThat(t.get("/", "Accept", "*/*").body()).contains("<!doctype html>");
        }
    }

    @Test
    void the_dashboard_names_no_other_host_and_runs_no_inline_script() throws IOException {
        Pattern url = Pattern.compile("(?i)\\b(?:https?:)?//[a-z0-9.-]+");
        try (Stream<Path> files = Files.walk(UI)) {
            List<Path> all = files.filter(Files::isRegularFile).toList();
            assertThat(all).extracting(p -> p.getFileName().toString()).contains("index.html", "app.css", "app.js", "graph.js");
            for (Path file : all) {
                String text = read(file);
                Matcher m = url.matcher(text);
                while (m.find()) {
                    assertThat(m.group()).as(file + " names another host").isEqualTo("http://www.w3.org"); // the SVG namespace, not a request
                }
                assertThat(text).as(file + " loads a web font").doesNotContain("@import", "@font-face");
            }
        }
        String index = read(UI.resolve("index.html"));
        assertThat(index.replaceAll("<script type=\"module\" src=\"[^\"]+\"></script>", "")).doesNotContain("<script");
        assertThat(index).doesNotContain(" style=", " onclick=", " onload=");
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void the_composed_prompt_is_the_snapshot_then_the_instructions() throws Exception {
        try (TestServer t = TestServer.start(home)) {
            HttpResponse<String> r = t.get("/api/v1/prompt?instructions=" + URLEncoder.encode("You are my editor.", StandardCharsets.UTF_8));
            assertThat(r.statusCode()).isEqualTo(200);
            JsonNode body = json(r);
            assertThat(body.path("revision").asText()).isEqualTo(t.brainTrust.context().snapshot().revision());
            assertThat(body.path("prompt").asText()).startsWith("# USER CONTEXT (TELOS LAYER)\n")
                    .contains("## Mission", "\n---\n\n# AGENT INSTRUCTIONS\n").endsWith("You are my editor.\n");
            assertThat(json(t.get("/api/v1/prompt")).path("prompt").asText()).endsWith("# AGENT INSTRUCTIONS\n");
            assertError(t.get("/api/v1/prompt?instructions=" + "x".repeat(DashboardRoutes.MAX_INSTRUCTIONS + 1)), 400, "bad_request");
        }
    }

    @Test
    void markdown_is_rendered_to_inert_html_on_request() throws Exception {
        try (TestServer t = TestServer.start(home)) {
            Files2.write(home.resolve("context/NOTES.md"), """
                    # Notes
                    <script>alert(1)</script>

                    Hi <img src=x onerror=alert(2)> [bad](javascript:alert(3)) [good](https://example.org) [rel](GOALS.md)
                    ![pixel](http://198.51.100.7/p.png) ![data](data:text/html,boom)
                    """);
            t.brainTrust.context().invalidate();
            HttpResponse<String> r = t.get("/api/v1/context/NOTES?format=html");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/html"));
            assertThat(r.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(v -> assertThat(v).contains("sandbox", "default-src 'none'"));
            String html = r.body();
            assertThat(html).contains("<h1>Notes</h1>", "&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(2)&gt;",
                    "href=\"https://example.org\"", "href=\"GOALS.md\"", "class=\"md-removed-link\">bad</a>",
                    "href=\"http://198.51.100.7/p.png\"", "image: pixel", "<a class=\"md-image\">image: data</a>");
            assertThat(html).containsPattern("<a [^>]*href=\"https://example.org\"[^>]*target=\"_blank\"[^>]*>good</a>")
                    .containsPattern("<a [^>]*rel=\"noopener noreferrer nofollow\"[^>]*>good</a>")
                    .containsPattern("<a [^>]*class=\"md-image\"[^>]*>image: pixel</a>")
                    .doesNotContainPattern("<a [^>]*href[^>]*>bad</a>");
            assertThat(html).doesNotContain("<script", "<img", "javascript:", "data:text");
            assertThat(t.get("/api/v1/context/NOTES").body()).startsWith("# Notes\n<script>"); // the Markdown itself is unchanged
        }
    }

    @Test
    void a_journal_day_is_rendered_on_request() throws Exception {
        try (TestServer t = TestServer.start(home)) {
            Instant at = Instant.now();
            t.brainTrust.journal().append(new JournalEntry(at, "brief <b>x</b>", "succeeded", Duration.ofSeconds(2), "rev1",
                    List.of("A"), "run-9", "done"));
            String day = t.brainTrust.journal().days().get(0).toString();
            HttpResponse<String> r = t.get("/api/v1/logs/" + day + "?format=html");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("<h1>Brain Trust journal", "<h2>", "brief &lt;b&gt;x&lt;/b&gt;").doesNotContain("<b>");
            assertError(t.get("/api/v1/logs/..%2F..%2Fetc?format=html"), 400, "bad_request");
        }
    }

    @Test
    void a_saved_workflow_is_read_and_a_new_one_saved_in_local_mode() throws Exception {
        try (TestServer t = TestServer.start(home)) {
            JsonNode saved = json(t.get("/api/v1/workflows/editorial-pipeline"));
            assertThat(saved.path("nodes").size()).isEqualTo(7);
            assertError(t.get("/api/v1/workflows/nothing-here"), 404, "not_found");

            String graph = "{\"name\":\"Mine\",\"nodes\":[{\"id\":\"a\",\"type\":\"agentNode\",\"data\":{\"name\":\"A\",\"goal\":\"g\"}}],\"edges\":[]}";
            HttpResponse<String> r = put(t, "/api/v1/workflows/mine", graph);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(json(r).path("file").asText()).isEqualTo("workflows/mine.json");
            assertThat(json(r).path("title").asText()).isEqualTo("Mine");
            Path file = home.resolve("workflows/mine.json");
            assertThat(Json.mapper().readTree(Files.readString(file))).isEqualTo(Json.mapper().readTree(graph));
            assertThat(json(t.get("/api/v1/workflows/mine")).path("name").asText()).isEqualTo("Mine");
            try (Stream<Path> left = Files.list(home.resolve("workflows"))) {
                assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".saving-"));
            }

            assertThat(put(t, "/api/v1/workflows/mine", graph.replace("Mine", "Mine again")).statusCode()).isEqualTo(200);
            assertThat(Files.readString(file)).contains("Mine again");
        }
    }

    @Test
    void saving_refuses_bad_names_bad_bodies_and_large_ones() throws Exception {
        try (TestServer t = TestServer.start(home)) {
            String graph = "{\"nodes\":[],\"edges\":[]}";
            for (String name : List.of("..%2Fescape", "%2E%2E", ".hidden", "a%00b", "sp%20ace")) {
                HttpResponse<String> r;
                try {
                    r = put(t, "/api/v1/workflows/" + name, graph);
                } catch (IOException e) {
                    throw new AssertionError("PUT /api/v1/workflows/" + name + " got no answer", e);
                }
                assertThat(r.statusCode()).as(name).isIn(400, 404);
            }
            TestServer.RawResponse raw = t.raw("PUT", "/api/v1/workflows/../../escape");
            assertThat(raw.status()).isIn(400, 404);
            try (Stream<Path> files = Files.walk(home)) {
                assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains("escape") || n.equals("sp ace.json"));
            }
            assertError(put(t, "/api/v1/workflows/x", "[1,2]"), 400, "bad_request");
            assertError(put(t, "/api/v1/workflows/x", "{not json"), 400, "bad_request");
            assertError(put(t, "/api/v1/workflows/x", ""), 400, "bad_request");
            assertThat(home.resolve("workflows/x.json")).doesNotExist();
        }
    }

    @Test
    void saving_a_body_over_the_limit_is_413() throws Exception {
        try (TestServer t = TestServer.start(home)) {
            String huge = "{\"nodes\":[],\"pad\":\"" + "x".repeat(JsonBodies.DEFAULT_LIMIT) + "\"}";
            assertError(put(t, "/api/v1/workflows/x", huge), 413, "content_too_large");
            assertThat(home.resolve("workflows/x.json")).doesNotExist();
        }
    }
}
