package dev.braintrust.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.braintrust.Json;
import dev.braintrust.testing.LlmStandIn;
import dev.braintrust.testing.LlmStandIn.Reply;
import dev.braintrust.testing.TestHome;
import dev.braintrust.testing.TestPostgres;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 11.12: SQLite and PostgreSQL accept and refuse the same inputs, with the same 400, and a
 * write the database refuses fails the run instead of vanishing. Real HTTP, both real databases.
 */
class StorableInputTest {
    static final String KEY = "storable-input-key-0123456789";

    @TempDir
    Path dir;
    final LlmStandIn llm = new LlmStandIn();
    TestServer server;
    Map<String, String> db = new HashMap<>();

    void start(String kind) {
        Path home = TestHome.create(dir.resolve("home"));
        TestHome.noSkills(home);
        if (kind.equals("postgresql")) {
            TestPostgres.Database pg = TestPostgres.freshDatabase();
            db.put("BRAIN_TRUST_DB_URL", pg.url());
            if (pg.user() != null) {
                db.put("BRAIN_TRUST_DB_USER", pg.user());
            }
            if (pg.password() != null) {
                db.put("BRAIN_TRUST_DB_PASSWORD", pg.password());
            }
        }
        Map<String, String> extra = new HashMap<>(db);
        extra.put("BRAIN_TRUST_API_KEY", KEY);
        server = TestServer.start(home, TestHome.env(home, llm, extra));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        llm.close();
    }

    static String workflow(String name, String agent, String prompt) {
        ObjectNode root = Json.mapper().createObjectNode();
        root.put("name", name);
        ObjectNode data = root.putArray("nodes").addObject().put("id", "w").put("type", "agentNode").putObject("data");
        data.put("name", agent).put("prompt", prompt).put("model", "gpt-4o-mini");
        root.putArray("edges");
        return root.toString();
    }

    HttpResponse<String> run(String body) throws Exception {
        return server.post("/api/v1/run-workflow", body, "X-API-Key", KEY);
    }

    JsonNode stored(String runId) throws Exception {
        return Json.mapper().readTree(server.get("/api/v1/runs/" + runId, "X-API-Key", KEY).body());
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql"})
    void a_600_character_workflow_or_agent_name_is_the_same_400_on_both_databases(String kind) throws Exception {
        start(kind);
        llm.script(call -> Reply.text("done"));
        HttpResponse<String> longWorkflow = run(workflow("w".repeat(600), "Writer", "Write"));
        assertThat(longWorkflow.statusCode()).as(longWorkflow.body()).isEqualTo(400);
        assertThat(Json.mapper().readTree(longWorkflow.body()).path("detail").asText())
                .isEqualTo("the workflow name is 600 characters long; the run database keeps at most 512: shorten it");
        HttpResponse<String> longAgent = run(workflow("ok", "a".repeat(600), "Write"));
        assertThat(longAgent.statusCode()).isEqualTo(400);
        assertThat(Json.mapper().readTree(longAgent.body()).path("detail").asText())
                .isEqualTo("the agent name of node 'w' is 600 characters long; the run database keeps at most 512: shorten it");
        HttpResponse<String> nulName = run(workflow("bad\u0000name", "Writer", "Write"));
        assertThat(nulName.statusCode()).isEqualTo(400);
        assertThat(Json.mapper().readTree(nulName.body()).path("detail").asText()).contains("NUL character");
        assertThat(llm.requestCount()).as("nothing was run").isZero();
        assertThat(Json.mapper().readTree(server.get("/api/v1/runs", "X-API-Key", KEY).body()).path("runs").size()).isZero();
        HttpResponse<String> atLimit = run(workflow("w".repeat(512), "a".repeat(512), "Write"));
        assertThat(atLimit.statusCode()).as(atLimit.body()).isEqualTo(200);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql"})
    void text_beyond_the_bmp_round_trips_and_a_nul_in_a_prompt_or_an_output_is_stored_alike(String kind) throws Exception {
        start(kind);
        String clef = "G clef \uD834\uDD1E, emoji \uD83D\uDE00";
        llm.script(call -> Reply.text("answer with " + clef + " and a NUL \u0000 here"));
        HttpResponse<String> r = run(workflow("Music " + clef, "Composer " + clef, "Compose \u0000 with " + clef));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode answer = Json.mapper().readTree(r.body());
        assertThat(answer.path("runStatus").asText()).isEqualTo("succeeded");
        JsonNode run = stored(answer.path("runId").asText());
        assertThat(run.path("status").asText()).isEqualTo("succeeded");
        assertThat(run.path("workflow").asText()).isEqualTo("Music " + clef);
        JsonNode step = run.path("steps").get(0);
        assertThat(step.path("status").asText()).isEqualTo("succeeded");
        assertThat(step.path("agent").asText()).isEqualTo("Composer " + clef);
        assertThat(step.path("task").asText()).isEqualTo("Compose \uFFFD with " + clef);
        assertThat(step.path("output").asText()).isEqualTo("answer with " + clef + " and a NUL \uFFFD here");
        assertThat(run.path("finalOutput").asText()).isEqualTo("answer with " + clef + " and a NUL \uFFFD here");
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql"})
    void a_step_write_the_database_refuses_fails_the_run_with_the_database_error(String kind) throws Exception {
        start(kind);
        refuseOutputsContaining("boom", kind);
        llm.script(call -> Reply.text("boom goes the answer"));
        HttpResponse<String> r = run(workflow("Refused", "Writer", "Write"));
        JsonNode answer = Json.mapper().readTree(r.body());
        assertThat(answer.path("runStatus").asText()).as(r.body()).isEqualTo("failed");
        assertThat(answer.path("error").asText()).contains("did not store the step of Writer").contains("boom is refused");
        JsonNode run = stored(answer.path("runId").asText());
        assertThat(run.path("status").asText()).as("the run's end is recorded").isEqualTo("failed");
        assertThat(run.path("error").asText()).contains("boom is refused");
        assertThat(server.brainTrust.runs().activeRuns()).isEmpty();
    }

    /** A trigger that makes the database refuse to store a step whose output contains {@code word}. */
    void refuseOutputsContaining(String word, String kind) throws Exception {
        String url = db.getOrDefault("BRAIN_TRUST_DB_URL", "jdbc:sqlite:" + dir.resolve("home/state/brain-trust.db"));
        server.brainTrust.runs(); // migrated
        try (Connection c = DriverManager.getConnection(url, db.get("BRAIN_TRUST_DB_USER"), db.get("BRAIN_TRUST_DB_PASSWORD"));
             Statement s = c.createStatement()) {
            if (kind.equals("sqlite")) {
                s.execute("CREATE TRIGGER refuse_" + word + " BEFORE UPDATE ON steps WHEN NEW.output LIKE '%" + word + "%' "
                        + "BEGIN SELECT RAISE(ABORT, '" + word + " is refused'); END");
            } else {
                s.execute("CREATE FUNCTION refuse_" + word + "() RETURNS trigger AS $$ BEGIN IF NEW.output LIKE '%" + word
                        + "%' THEN RAISE EXCEPTION '" + word + " is refused'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql");
                s.execute("CREATE TRIGGER refuse_" + word + " BEFORE UPDATE ON steps FOR EACH ROW EXECUTE FUNCTION refuse_"
                        + word + "()");
            }
        }
    }
}
