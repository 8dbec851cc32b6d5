package dev.braintrust.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.braintrust.testing.LlmStandIn;
import dev.braintrust.testing.LlmStandIn.Reply;
import dev.braintrust.testing.Poll;
import dev.braintrust.testing.TestHome;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Schedules, webhook triggers and approvals over real HTTP, against a server on a free port and the LLM stand-in. */
class AutomationRoutesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "test-api-key-123";
    private static final String SECRET = "inbox-secret-456";

    @TempDir
    Path dir;
    private final LlmStandIn llm = new LlmStandIn();
    private TestServer server;

    @BeforeEach
    void start() throws Exception {
        Path home = TestHome.create(dir.resolve("home"));
        TestHome.noSkills(home);
        Files.writeString(home.resolve("workflows/inbox.json"), """
                {"name": "Inbox", "on": [{"webhook": "inbox"}],
                 "schedule": {"cron": "0 7 * * 1-5", "timezone": "Europe/Berlin", "input": "Morning sweep"},
                 "nodes": [{"id": "t", "type": "agentNode", "data": {"name": "Triage", "goal": "Sort the mail", "approval": "after"}}],
                 "edges": []}
                """);
        Files.writeString(home.resolve("workflows/orphan.json"), """
                {"name": "Orphan", "on": [{"webhook": "nosecret"}], "nodes": [{"id": "a", "type": "agentNode", "data": {"goal": "x"}}]}
                """);
        llm.script(call -> Reply.text("sorted"));
        server = TestServer.start(home, TestHome.env(home, llm, Map.of("BRAIN_TRUST_API_KEY", KEY,
                "BRAIN_TRUST_TRIGGER_SECRET_INBOX", SECRET)));
    }

    @AfterEach
    void stop() {
        server.close();
        llm.close();
    }

    private JsonNode json(HttpResponse<String> response) throws Exception {
        return JSON.readTree(response.body());
    }

    private HttpResponse<String> trigger(String name, String body, String... headers) throws Exception {
        return server.post("/api/v1/triggers/" + name, body, headers);
    }

    @Test
    void a_webhook_trigger_needs_its_own_secret_not_the_api_key_and_runs_the_workflow_with_the_body() throws Exception {
        String mail = "{\"from\": \"ada@example.org\", \"subject\": \"Chapter three\"}";
        assertThat(trigger("inbox", mail).statusCode()).isEqualTo(401);
        HttpResponse<String> wrong = trigger("inbox", mail, "Authorization", "Bearer nope");
        assertThat(wrong.statusCode()).isEqualTo(403);
        assertThat(json(wrong).path("detail").asText()).contains("wrong secret");
        assertThat(trigger("inbox", mail, "X-API-Key", KEY).statusCode()).as("the API key is not the trigger's secret").isEqualTo(401);

        HttpResponse<String> accepted = trigger("inbox", mail, "Authorization", "Bearer " + SECRET);
        assertThat(accepted.statusCode()).isEqualTo(202);
        String runId = json(accepted).path("runId").asText();
        assertThat(json(accepted).path("runs").get(0).path("workflow").asText()).isEqualTo("inbox");
        Poll.until(Duration.ofSeconds(20), "the run to wait for the approval of its output",
                () -> server.brainTrust.runs().get(runId).status().label().equals("waiting"));
        JsonNode run = json(server.get("/api/v1/runs/" + runId, "X-API-Key", KEY));
        assertThat(run.path("source").asText()).isEqualTo("webhook");
        assertThat(run.path("steps").get(0).path("task").asText()).contains("Sort the mail").contains("\"subject\" : \"Chapter three\"");

        HttpResponse<String> signed = trigger("inbox", mail, "X-Hub-Signature-256", "sha256=" + hmac(SECRET, mail));
        assertThat(signed.statusCode()).isEqualTo(202);
        assertThat(trigger("inbox", mail, "X-Hub-Signature-256", "sha256=" + hmac("other", mail)).statusCode()).isEqualTo(403);
    }

    @Test
    void a_webhook_trigger_without_a_secret_says_which_variable_to_set_and_an_unknown_one_is_not_found() throws Exception {
        HttpResponse<String> noSecret = trigger("nosecret", "{}");
        assertThat(noSecret.statusCode()).isEqualTo(503);
        assertThat(json(noSecret).path("detail").asText()).contains("BRAIN_TRUST_TRIGGER_SECRET_NOSECRET");
        assertThat(trigger("nothing-here", "{}").statusCode()).isEqualTo(404);
        assertThat(trigger("..%2F..", "{}").statusCode()).isEqualTo(404);
    }

    @Test
    void the_schedules_list_shows_the_next_fires_in_the_zone_and_can_pause_resume_and_run_now() throws Exception {
        JsonNode all = json(server.get("/api/v1/schedules", "X-API-Key", KEY));
        JsonNode schedule = all.path("schedules").get(0);
        assertThat(schedule.path("id").asText()).isEqualTo("inbox");
        assertThat(schedule.path("timezone").asText()).isEqualTo("Europe/Berlin");
        assertThat(schedule.path("nextFires")).hasSize(5);
        assertThat(schedule.path("nextFires").get(0).asText()).matches("\\d{4}-\\d\\d-\\d\\dT07:00:00\\+0[12]:00");
        assertThat(all.path("triggers")).hasSize(2);
        assertThat(all.path("triggers").findValuesAsText("secretVariable")).contains("BRAIN_TRUST_TRIGGER_SECRET_INBOX");
        assertThat(server.get("/api/v1/schedules").statusCode()).as("the API key is needed").isEqualTo(401);

        assertThat(json(server.post("/api/v1/schedules/inbox/pause", "", "X-API-Key", KEY)).path("paused").asBoolean()).isTrue();
        assertThat(json(server.post("/api/v1/schedules/inbox/resume", "", "X-API-Key", KEY)).path("paused").asBoolean()).isFalse();
        HttpResponse<String> now = server.post("/api/v1/schedules/inbox/run", "", "X-API-Key", KEY);
        assertThat(now.statusCode()).isEqualTo(202);
        String runId = json(now).path("runId").asText();
        Poll.until(Duration.ofSeconds(20), "the run to wait", () -> server.brainTrust.runs().get(runId).status().label().equals("waiting"));
        assertThat(json(server.get("/api/v1/runs/" + runId, "X-API-Key", KEY)).path("source").asText()).isEqualTo("manual");
        assertThat(server.post("/api/v1/schedules/nope/run", "", "X-API-Key", KEY).statusCode()).isEqualTo(404);
    }

    @Test
    void an_approval_is_decided_once_over_http_with_a_note() throws Exception {
        String runId = json(server.post("/api/v1/schedules/inbox/run", "", "X-API-Key", KEY)).path("runId").asText();
        Poll.until(Duration.ofSeconds(20), "the run to wait", () -> server.brainTrust.runs().get(runId).status().label().equals("waiting"));
        JsonNode pending = json(server.get("/api/v1/approvals", "X-API-Key", KEY)).path("approvals");
        assertThat(pending).hasSize(1);
        assertThat(pending.get(0).path("workflow").asText()).isEqualTo("Inbox");
        assertThat(pending.get(0).path("agent").asText()).isEqualTo("Triage");
        assertThat(pending.get(0).path("subject").asText()).isEqualTo("sorted");
        String decide = pending.get(0).path("decide").asText();

        assertThat(server.post(decide, "{\"decision\": \"maybe\"}", "X-API-Key", KEY).statusCode()).isEqualTo(400);
        HttpResponse<String> approved = server.post(decide, "{\"decision\": \"approve\", \"note\": \"fine\"}", "X-API-Key", KEY,
                "X-Brain-Trust-Client", "dashboard");
        assertThat(approved.statusCode()).isEqualTo(200);
        Poll.until(Duration.ofSeconds(20), "the run to finish", () -> server.brainTrust.runs().get(runId).status().label().equals("succeeded"));
        HttpResponse<String> again = server.post(decide, "{\"decision\": \"reject\"}", "X-API-Key", KEY);
        assertThat(again.statusCode()).isEqualTo(409);
        JsonNode approvals = json(server.get("/api/v1/runs/" + runId + "/approvals", "X-API-Key", KEY)).path("approvals");
        assertThat(approvals.get(0).path("decision").asText()).isEqualTo("approved");
        assertThat(approvals.get(0).path("decidedBy").asText()).isEqualTo("dashboard");
        assertThat(approvals.get(0).path("note").asText()).isEqualTo("fine");
        assertThat(approvals.get(0).has("checkpoint")).isFalse();
        assertThat(server.post("/api/v1/runs/" + runId + "/approvals/zz", "{\"decision\": \"approve\"}", "X-API-Key", KEY).statusCode())
                .isEqualTo(409);
    }

    private static String hmac(String secret, String body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
    }
}
