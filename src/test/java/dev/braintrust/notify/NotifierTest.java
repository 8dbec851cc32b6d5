package dev.braintrust.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.braintrust.BrainTrust;
import dev.braintrust.Json;
import dev.braintrust.journal.NotificationRecord;
import dev.braintrust.journal.RunRecord;
import dev.braintrust.journal.RunStatus;
import dev.braintrust.testing.LlmStandIn;
import dev.braintrust.testing.LlmStandIn.Reply;
import dev.braintrust.testing.Poll;
import dev.braintrust.testing.TestHome;
import dev.braintrust.workflow.RunHandle;
import dev.braintrust.workflow.Workflow;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Notifications against a real local HTTP receiver; the signature is checked by the official Standard Webhooks library. */
class NotifierTest {
    static final Path VERIFIER = Path.of("src/test/node/standardwebhooks");
    @TempDir
    Path dir;
    private Path home;
    @AutoClose
    private final LlmStandIn llm = new LlmStandIn();
    private final MockWebServer receiver = new MockWebServer();
    private final String secret = "whsec_" + Base64.getEncoder().encodeToString(random(32));

    @BeforeEach
    void start() throws Exception {
        home = TestHome.create(dir.resolve("home"));
        TestHome.noSkills(home);
        receiver.start();
        llm.script(call -> Reply.text("the brief"));
    }

    @AfterEach
    void stop() {
        receiver.close();
    }

    private BrainTrust open(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(Map.of("BRAIN_TRUST_NOTIFY_SECRET", secret, "BRAIN_TRUST_NOTIFY_BACKOFF", "50ms",
                "BRAIN_TRUST_NOTIFY_RETRIES", "2", "BRAIN_TRUST_PUBLIC_URL", "https://bt.example.org"));
        env.putAll(extra);
        return TestHome.open(home, llm, env);
    }

    private static Workflow workflow(String name, String approval) {
        return Workflow.fromJson(Json.mapper().createObjectNode().put("name", name).set("nodes", Json.mapper().createArrayNode()
                .add(Json.mapper().createObjectNode().put("id", "a").put("type", "agentNode").set("data",
                        approval == null ? Json.mapper().createObjectNode().put("name", "Writer").put("goal", "Write")
                                : Json.mapper().createObjectNode().put("name", "Writer").put("goal", "Write").put("approval", approval)))),
                name);
    }

    private RecordedRequest next() throws InterruptedException {
        RecordedRequest request = receiver.takeRequest(20, TimeUnit.SECONDS);
        assertThat(request).as("a notification arrived").isNotNull();
        return request;
    }

    private static List<NotificationRecord> settled(BrainTrust bt, String runId, int count) {
        Poll.until(Duration.ofSeconds(20), count + " notification(s) of " + runId + " to settle", () -> {
            List<NotificationRecord> all = bt.runs().notifications(runId);
            return all.size() == count && all.stream().noneMatch(n -> n.outcome().equals(NotificationRecord.PENDING));
        });
        return bt.runs().notifications(runId);
    }

    @Test
    void a_finished_run_posts_a_body_signed_so_the_official_standard_webhooks_library_verifies_it() throws Exception {
        receiver.enqueue(new MockResponse.Builder().code(204).build());
        try (BrainTrust bt = open(Map.of("BRAIN_TRUST_NOTIFY_WEBHOOK", receiver.url("/hooks/brain-trust").toString()))) {
            RunRecord run = bt.runs().run(workflow("Morning brief", null), "test", null);
            RecordedRequest request = next();
            String body = request.getBody().utf8();
            JsonNode payload = Json.mapper().readTree(body);
            assertThat(request.getUrl().encodedPath()).isEqualTo("/hooks/brain-trust");
            assertThat(payload.path("type").asText()).isEqualTo("run.finished");
            assertThat(payload.path("id").asText()).isEqualTo(request.getHeaders().get("webhook-id"));
            assertThat(payload.path("run").path("id").asText()).isEqualTo(run.id());
            assertThat(payload.path("run").path("workflow").asText()).isEqualTo("Morning brief");
            assertThat(payload.path("run").path("status").asText()).isEqualTo("succeeded");
            assertThat(payload.path("run").path("outputExcerpt").asText()).isEqualTo("the brief");
            assertThat(payload.path("run").path("url").asText()).isEqualTo("https://bt.example.org/#/runs/" + run.id());
            assertThat(request.getHeaders().get("X-Brain-Trust-Event")).isEqualTo("run.finished");

            assertThat(verifyWithStandardWebhooks(secret, request, body)).isEqualTo("verified run.finished");
            assertThat(verifyWithStandardWebhooks(secret, request, body.replace("the brief", "a forgery"))).startsWith("refused");
            byte[] key = Base64.getDecoder().decode(secret.substring(6));
            assertThat(request.getHeaders().get("X-Brain-Trust-Signature-256")).isEqualTo("sha256=" + hmacHex(key, body));

            assertThat(settled(bt, run.id(), 1)).singleElement().satisfies(n -> {
                assertThat(n.outcome()).isEqualTo("delivered");
                assertThat(n.attempts()).isEqualTo(1);
                assertThat(n.lastStatus()).isEqualTo(204);
                assertThat(n.target()).isEqualTo("http://" + receiver.getHostName() + ":" + receiver.getPort());
            });
        }
    }

    @Test
    void a_failed_delivery_is_retried_with_backoff_and_recorded() throws Exception {
        receiver.enqueue(new MockResponse.Builder().code(503).body("busy").build());
        receiver.enqueue(new MockResponse.Builder().code(500).build());
        receiver.enqueue(new MockResponse.Builder().code(200).build());
        try (BrainTrust bt = open(Map.of("BRAIN_TRUST_NOTIFY_WEBHOOK", receiver.url("/hook").toString()))) {
            RunRecord run = bt.runs().run(workflow("Brief", null), "test", null);
            assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
            List<String> ids = List.of(next().getHeaders().get("webhook-id"), next().getHeaders().get("webhook-id"),
                    next().getHeaders().get("webhook-id"));
            assertThat(ids).as("every attempt carries the same id, so a receiver can drop duplicates").containsOnly(ids.get(0));
            assertThat(settled(bt, run.id(), 1)).singleElement().satisfies(n -> {
                assertThat(n.outcome()).isEqualTo("delivered");
                assertThat(n.attempts()).isEqualTo(3);
                assertThat(n.lastStatus()).isEqualTo(200);
            });
        }
    }

    @Test
    void a_receiver_that_is_down_never_fails_the_run_and_the_failure_is_recorded() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        try (BrainTrust bt = open(Map.of("BRAIN_TRUST_NOTIFY_WEBHOOK", "http://127.0.0.1:" + closedPort + "/hook"))) {
            long start = System.nanoTime();
            RunRecord run = bt.runs().run(workflow("Brief", null), "test", null);
            assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("the run does not wait for its notifications")
                    .isLessThan(Duration.ofSeconds(10));
            assertThat(settled(bt, run.id(), 1)).singleElement().satisfies(n -> {
                assertThat(n.outcome()).isEqualTo("failed");
                assertThat(n.attempts()).isEqualTo(3);
                assertThat(n.lastStatus()).isNull();
                assertThat(n.lastError()).startsWith("cannot reach it");
            });
            assertThat(bt.runs().get(run.id()).status()).isEqualTo(RunStatus.SUCCEEDED);
        }
    }

    @Test
    void a_run_waiting_for_approval_sends_what_is_to_be_approved_and_how_to_decide() throws Exception {
        receiver.enqueue(new MockResponse.Builder().code(200).build());
        receiver.enqueue(new MockResponse.Builder().code(200).build());
        try (BrainTrust bt = open(Map.of("BRAIN_TRUST_NOTIFY_WEBHOOK", receiver.url("/hook").toString()))) {
            RunHandle handle = bt.runs().start(workflow("Gated", "before"), "test", null);
            JsonNode waiting = Json.mapper().readTree(next().getBody().utf8());
            assertThat(waiting.path("type").asText()).isEqualTo("run.waiting");
            assertThat(waiting.path("run").path("status").asText()).isEqualTo("waiting");
            assertThat(waiting.path("approval").path("step").asText()).isEqualTo("a");
            assertThat(waiting.path("approval").path("agent").asText()).isEqualTo("Writer");
            assertThat(waiting.path("approval").path("kind").asText()).isEqualTo("before");
            assertThat(waiting.path("approval").path("subject").asText()).isEqualTo("Write");
            assertThat(waiting.path("approval").path("decide").asText())
                    .isEqualTo("https://bt.example.org/api/v1/runs/" + handle.id() + "/approvals/a");
            bt.runs().decide(handle.id(), "a", true, null, "test");
            assertThat(Json.mapper().readTree(next().getBody().utf8()).path("type").asText()).isEqualTo("run.finished");
        }
    }

    @Test
    void an_ntfy_push_has_a_title_message_priority_and_a_link_to_the_run() throws Exception {
        receiver.enqueue(new MockResponse.Builder().code(200).body("{\"id\":\"x\"}").build());
        llm.script(call -> Reply.error(400, "{\"error\": {\"message\": \"bad request\"}}"));
        try (BrainTrust bt = open(Map.of("BRAIN_TRUST_NOTIFY_NTFY", receiver.url("/brain-trust-alerts").toString(),
                "BRAIN_TRUST_NOTIFY_NTFY_TOKEN", "tk_test"))) {
            RunRecord run = bt.runs().run(workflow("Brief", null), "test", null);
            assertThat(run.status()).isEqualTo(RunStatus.FAILED);
            RecordedRequest request = next();
            JsonNode push = Json.mapper().readTree(request.getBody().utf8());
            assertThat(request.getUrl().encodedPath()).isEqualTo("/");
            assertThat(request.getHeaders().get("Authorization")).isEqualTo("Bearer tk_test");
            assertThat(push.path("topic").asText()).isEqualTo("brain-trust-alerts");
            assertThat(push.path("title").asText()).isEqualTo("Brain Trust: Brief failed");
            assertThat(push.path("message").asText()).contains("Writer");
            assertThat(push.path("priority").asInt()).isEqualTo(4);
            assertThat(push.path("click").asText()).isEqualTo("https://bt.example.org/#/runs/" + run.id());
            assertThat(settled(bt, run.id(), 1).get(0).channel()).isEqualTo("ntfy");
        }
    }

    @Test
    void a_workflow_can_turn_its_notifications_off_or_keep_only_failures() throws Exception {
        ObjectNode quiet = (ObjectNode) Json.mapper().readTree("{\"name\": \"Quiet\", \"notify\": false, \"nodes\": [{\"id\": \"a\", "
                + "\"type\": \"agentNode\", \"data\": {\"goal\": \"Write\"}}], \"edges\": []}");
        Files.writeString(home.resolve("workflows/quiet.json"), quiet.toString());
        Files.writeString(home.resolve("workflows/failures.json"), quiet.put("name", "Failures only")
                .set("notify", Json.mapper().readTree("{\"on\": [\"failed\"]}")).toString());
        try (BrainTrust bt = open(Map.of("BRAIN_TRUST_NOTIFY_WEBHOOK", receiver.url("/hook").toString()))) {
            RunRecord a = bt.runs().run(bt.runs().loadSaved("quiet"), "test", null);
            RunRecord b = bt.runs().run(bt.runs().loadSaved("failures"), "test", null);
            Thread.sleep(500);
            assertThat(receiver.getRequestCount()).isZero();
            assertThat(bt.runs().notifications(a.id())).isEmpty();
            assertThat(bt.runs().notifications(b.id())).isEmpty();
        }
    }

    /** Runs the official library (npm standardwebhooks) on the request as received. */
    static String verifyWithStandardWebhooks(String secret, RecordedRequest request, String body) throws Exception {
        assertThat(VERIFIER.resolve("node_modules/standardwebhooks")).as("the verifier is installed: run "
                + "'npm ci --prefix " + VERIFIER + "' (.ci/run does)").isDirectory();
        ObjectNode input = Json.mapper().createObjectNode().put("secret", secret).put("body", body);
        ObjectNode headers = input.putObject("headers");
        for (String name : List.of("webhook-id", "webhook-timestamp", "webhook-signature")) {
            headers.put(name, request.getHeaders().get(name));
        }
        Process node = new ProcessBuilder("node", "verify.mjs").directory(VERIFIER.toFile()).redirectErrorStream(true).start();
        node.getOutputStream().write(input.toString().getBytes(StandardCharsets.UTF_8));
        node.getOutputStream().close();
        String out = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(node.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    static String hmacHex(byte[] key, String body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new SecureRandom().nextBytes(b);
        return b;
    }

    @Test
    void a_run_stopped_by_a_budget_is_a_failed_notification_with_the_numbers() throws Exception {
        receiver.enqueue(new MockResponse.Builder().code(204).build());
        receiver.enqueue(new MockResponse.Builder().code(200).body("{\"id\":\"x\"}").build());
        ObjectNode capped = (ObjectNode) Json.mapper().readTree("{\"name\": \"Capped\", \"budget\": {\"maxTokens\": 10}, \"nodes\": "
                + "[{\"id\": \"a\", \"type\": \"agentNode\", \"data\": {\"name\": \"Writer\", \"goal\": \"Write\"}}], \"edges\": []}");
        try (BrainTrust bt = open(Map.of("BRAIN_TRUST_NOTIFY_WEBHOOK", receiver.url("/hooks").toString(),
                "BRAIN_TRUST_NOTIFY_NTFY", receiver.url("/alerts").toString()))) {
            RunRecord run = bt.runs().run(Workflow.fromJson(capped, "capped"), "test", null);
            assertThat(run.status()).isEqualTo(RunStatus.BUDGET);
            assertThat(llm.requestCount()).as("stopped before its model call").isZero();

            Map<String, JsonNode> bodies = new HashMap<>();
            for (int i = 0; i < 2; i++) {
                RecordedRequest request = next();
                bodies.put(request.getUrl().encodedPath(), Json.mapper().readTree(request.getBody().utf8()));
            }
            JsonNode hook = bodies.get("/hooks");
            assertThat(hook.path("type").asText()).isEqualTo("run.failed");
            assertThat(hook.path("run").path("status").asText()).isEqualTo("budget");
            assertThat(hook.path("run").path("error").asText()).contains("the workflow's budget of 10 tokens would be exceeded");
            JsonNode push = bodies.get("/");
            assertThat(push.path("title").asText()).isEqualTo("Brain Trust: Capped stopped by a budget");
            assertThat(push.path("message").asText()).contains("budget of 10 tokens");
            assertThat(settled(bt, run.id(), 2)).extracting(NotificationRecord::event).containsOnly("failed");
        }
    }
}
