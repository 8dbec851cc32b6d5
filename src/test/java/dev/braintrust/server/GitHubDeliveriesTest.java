package dev.braintrust.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.braintrust.BrainTrust;
import dev.braintrust.Config;
import dev.braintrust.Json;
import dev.braintrust.testing.GitHubDeliveries;
import dev.braintrust.testing.GitHubDeliveries.Delivery;
import dev.braintrust.testing.RemoteFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * GitHub's own example payloads ({@code @octokit/webhooks-examples}), signed by GitHub's own library
 * ({@code @octokit/webhooks-methods}), posted over real HTTP to a cloud server, in both content types a
 * GitHub webhook can be set to (issue 12.4), and a push that deletes the tracked branch (issue 12.5).
 */
class GitHubDeliveriesTest {
    static final String SECRET = "octokit-example-secret";
    static final String API_KEY = "api-key-for-delivery-tests-0123";
    static final String JSON = "application/json";
    static final String FORM = "application/x-www-form-urlencoded";
    static List<Delivery> deliveries;

    @TempDir
    Path dir;
    RemoteFixture remote;
    BrainTrust bt;
    ApiServer server;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void buildDeliveries() {
        deliveries = GitHubDeliveries.signedWith(SECRET);
    }

    @BeforeEach
    void start() {
        remote = RemoteFixture.create(dir, "master"); // the examples push to refs/heads/master
        remote.commitAndPush("first", "context/MISSION.md", "m1", "context/GOALS.md", "g1", "context/BELIEFS.md", "b1");
        bt = BrainTrust.open(Config.fromEnv(Map.of("HOME", dir.toString(), "PAI_HOME", dir.resolve("home").toString(),
                "BRAIN_TRUST_GIT_URL", remote.url(), "BRAIN_TRUST_GIT_BRANCH", "master", "BRAIN_TRUST_PORT", "0",
                "BRAIN_TRUST_SYNC_INTERVAL", "0", "WEBHOOK_SECRET", SECRET, "BRAIN_TRUST_API_KEY", API_KEY)));
        bt.sync().orElseThrow().syncNow("test");
        server = new ApiServer(bt).start();
    }

    @AfterEach
    void stop() {
        server.close();
        bt.close();
        remote.close();
    }

    HttpResponse<String> post(Delivery d, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/api/v1/webhook/sync-context"))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", d.contentType())
                .header("User-Agent", "GitHub-Hookshot/test")
                .header("X-GitHub-Event", d.event())
                .header("X-GitHub-Delivery", UUID.randomUUID().toString())
                .header("X-Hub-Signature-256", d.signature())
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(Delivery d) throws Exception {
        return post(d, d.body());
    }

    JsonNode status() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/api/v1/status"))
                .header("X-API-Key", API_KEY).build(), HttpResponse.BodyHandlers.ofString());
        return Json.mapper().readTree(r.body());
    }

    static JsonNode json(HttpResponse<String> r) throws Exception {
        return Json.mapper().readTree(r.body());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {JSON, FORM})
    void a_push_from_githubs_examples_syncs_in_either_content_type(String contentType) throws Exception {
        String next = remote.commitAndPush("goals", "context/GOALS.md", "g2");
        HttpResponse<String> r = post(GitHubDeliveries.find(deliveries, "push", contentType));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(json(r).path("status").asText()).isEqualTo("synced");
        assertThat(json(r).path("revision").asText()).isEqualTo(next);
        assertThat(bt.context().snapshot().revision()).isEqualTo(next);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {JSON, FORM})
    void a_ping_answers_pong_and_a_tag_push_is_ignored_in_either_content_type(String contentType) throws Exception {
        HttpResponse<String> ping = post(GitHubDeliveries.find(deliveries, "ping", contentType));
        assertThat(ping.statusCode()).as(ping.body()).isEqualTo(200);
        assertThat(json(ping).path("status").asText()).isEqualTo("pong");
        HttpResponse<String> tag = post(GitHubDeliveries.find(deliveries, "tag-push", contentType));
        assertThat(tag.statusCode()).as(tag.body()).isEqualTo(202);
        assertThat(json(tag).path("reason").asText()).contains("refs/tags/simple-tag");
        assertThat(bt.sync().orElseThrow().history()).hasSize(1);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {JSON, FORM})
    void a_body_changed_after_signing_is_refused_in_either_content_type(String contentType) throws Exception {
        Delivery push = GitHubDeliveries.find(deliveries, "push", contentType);
        String tampered = push.body().replace("master", "mastex");
        HttpResponse<String> r = post(push, tampered);
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(json(r).path("detail").asText()).contains("X-Hub-Signature-256 does not match");
        assertThat(bt.sync().orElseThrow().history()).hasSize(1);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {JSON, FORM})
    void a_push_that_deletes_the_branch_keeps_the_last_snapshot_and_the_branch_is_picked_up_when_it_returns(String contentType)
            throws Exception {
        String kept = bt.context().snapshot().revision();
        remote.deleteRemoteBranch();
        HttpResponse<String> deleted = post(GitHubDeliveries.find(deliveries, "branch-deletion", contentType));
        assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(202);
        assertThat(json(deleted).path("detail").asText()).contains("the branch was deleted; the last good snapshot is kept");
        assertThat(json(deleted).path("revision").asText()).isEqualTo(kept);
        assertThat(bt.context().snapshot().revision()).isEqualTo(kept);
        JsonNode during = status().path("sync");
        assertThat(during.path("branchDeleted").asText()).contains("master").contains("was deleted").contains(kept);

        String back = remote.commitAndPush("back", "context/GOALS.md", "g3");
        HttpResponse<String> push = post(GitHubDeliveries.find(deliveries, "push", contentType));
        assertThat(push.statusCode()).as(push.body()).isEqualTo(200);
        assertThat(json(push).path("revision").asText()).isEqualTo(back);
        assertThat(status().path("sync").path("branchDeleted").isNull()).as("cleared once the branch is back").isTrue();
    }
}
