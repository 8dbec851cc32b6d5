package dev.braintrust.sync;

import dev.braintrust.Config;
import dev.braintrust.Secret;
import dev.braintrust.journal.Journal;
import dev.braintrust.testing.RemoteFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The webhook of ARCHITECTURE.md §3, served by {@link SyncService#handleWebhook} over a real mirror of a real remote. */
class WebhookTest {
    static final String SECRET = "It's a Secret to Everybody";

    @TempDir
    Path dir;
    RemoteFixture remote;
    GitMirror mirror;
    SyncService service;

    @BeforeEach
    void setUp() {
        remote = RemoteFixture.create(dir, "main");
        remote.commitAndPush("first", "context/MISSION.md", "m1", "context/GOALS.md", "g1", "context/BELIEFS.md", "b1");
        service = service(Secret.ofNullable(SECRET));
        service.syncNow("test");
    }

    SyncService service(Secret secret) {
        Path home = dir.resolve("home");
        GitRemote gitRemote = GitRemote.of(Config.fromEnv(Map.of("HOME", dir.toString(), "BRAIN_TRUST_GIT_URL", remote.url())));
        mirror = GitMirror.open(home, gitRemote);
        return new SyncService(mirror, new Journal(home.resolve("logs"), Clock.systemUTC()), () -> { }, Duration.ZERO, secret,
                Clock.systemUTC());
    }

    @AfterEach
    void tearDown() {
        service.close();
        mirror.close();
        remote.close();
    }

    static String push(String ref) {
        return "{\"ref\":\"" + ref + "\",\"after\":\"0000\",\"repository\":{\"name\":\"home\"}}";
    }

    static String hmac(String secret, String body, String algorithm) throws Exception {
        Mac mac = Mac.getInstance(algorithm);
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), algorithm));
        return HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
    }

    static Map<String, String> github(String event, String delivery, String body) throws Exception {
        Map<String, String> h = new HashMap<>();
        h.put("x-github-event", event);
        h.put("X-GitHub-Delivery", delivery);
        h.put("X-Hub-Signature-256", "sha256=" + hmac(SECRET, body, "HmacSHA256"));
        h.put("Content-Type", "application/json");
        return h;
    }

    WebhookResponse deliver(Map<String, String> headers, String body) {
        return service.handleWebhook(headers, new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)));
    }

    int syncs() {
        return service.history().size();
    }

    @Test
    void a_signed_github_push_to_the_tracked_branch_syncs_before_answering() throws Exception {
        String previous = mirror.revision();
        String next = remote.commitAndPush("goals", "context/GOALS.md", "g2");
        String body = push("refs/heads/main");
        WebhookResponse r = deliver(github("push", "d-1", body), body);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).containsEntry("status", "synced").containsEntry("revision", next)
                .containsEntry("previous", previous).containsEntry("changed", List.of("context/GOALS.md"))
                .containsKey("durationMs");
        assertThat(mirror.revision()).isEqualTo(next);
    }

    @Test
    void a_signed_json_body_sent_as_a_form_syncs_as_curl_d_sends_it() throws Exception {
        // curl -d labels any body application/x-www-form-urlencoded: a body that is JSON is read as JSON
        String next = remote.commitAndPush("goals", "context/GOALS.md", "g2");
        String body = "  " + push("refs/heads/main");
        Map<String, String> h = github("push", "d-form", body);
        h.put("Content-Type", "application/x-www-form-urlencoded");
        WebhookResponse r = deliver(h, body);
        assertThat(r.status()).as(String.valueOf(r.body())).isEqualTo(200);
        assertThat(r.body()).containsEntry("revision", next);
    }

    @Test
    void a_form_without_a_payload_field_is_refused_saying_so() throws Exception {
        String body = "ref=refs%2Fheads%2Fmain";
        Map<String, String> h = github("push", "d-form-2", body);
        h.put("Content-Type", "application/x-www-form-urlencoded");
        WebhookResponse r = deliver(h, body);
        assertThat(r.status()).isEqualTo(400);
        assertThat(String.valueOf(r.body().get("detail"))).contains("the form has no 'payload' field");
    }

    @Test
    void a_gitlab_push_with_the_right_token_syncs_and_a_wrong_token_is_refused() {
        String next = remote.commitAndPush("goals", "context/GOALS.md", "g2");
        String body = "{\"object_kind\":\"push\",\"ref\":\"refs/heads/main\"}";
        Map<String, String> h = new HashMap<>(Map.of("X-Gitlab-Event", "Push Hook", "X-Gitlab-Event-UUID", "u-1"));
        h.put("X-Gitlab-Token", SECRET + "x");
        int before = syncs();
        WebhookResponse refused = deliver(h, body);
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.body()).containsEntry("error", "forbidden");
        assertThat(syncs()).isEqualTo(before);
        assertThat(mirror.revision()).isNotEqualTo(next);
        h.put("X-Gitlab-Token", SECRET);
        WebhookResponse ok = deliver(h, body);
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.body()).containsEntry("revision", next);
    }

    @Test
    void gitea_and_forgejo_signatures_are_checked() throws Exception {
        String next = remote.commitAndPush("goals", "context/GOALS.md", "g2");
        String body = push("refs/heads/main");
        Map<String, String> bad = Map.of("X-Gitea-Event", "push", "X-Gitea-Delivery", "g-1",
                "X-Gitea-Signature", hmac("wrong secret", body, "HmacSHA256"));
        assertThat(deliver(bad, body).status()).isEqualTo(403);
        assertThat(mirror.revision()).isNotEqualTo(next);
        Map<String, String> gitea = Map.of("X-Gitea-Event", "push", "X-Gitea-Delivery", "g-1",
                "X-Gitea-Signature", hmac(SECRET, body, "HmacSHA256"));
        assertThat(deliver(gitea, body).body()).containsEntry("status", "synced").containsEntry("revision", next);
        String third = remote.commitAndPush("beliefs", "context/BELIEFS.md", "b2");
        Map<String, String> forgejo = Map.of("X-Forgejo-Event", "push", "X-Forgejo-Delivery", "f-1",
                "X-Forgejo-Signature", hmac(SECRET, body, "HmacSHA256"));
        assertThat(deliver(forgejo, body).body()).containsEntry("revision", third);
    }

    @Test
    void rejects_a_github_signature_made_with_another_secret() throws Exception {
        String body = push("refs/heads/main");
        Map<String, String> h = github("push", "d-1", body);
        h.put("X-Hub-Signature-256", "sha256=" + hmac("another secret", body, "HmacSHA256"));
        int before = syncs();
        WebhookResponse r = deliver(h, body);
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.body().get("detail").toString()).contains("does not match").contains("nothing was synced");
        assertThat(syncs()).isEqualTo(before);
    }

    @Test
    void rejects_a_signature_for_another_body() throws Exception {
        String body = push("refs/heads/main");
        Map<String, String> h = github("push", "d-1", body);
        assertThat(deliver(h, body.replace("main", "mainx")).status()).isEqualTo(403);
    }

    @Test
    void rejects_a_signature_of_wrong_length() throws Exception {
        String body = push("refs/heads/main");
        String good = hmac(SECRET, body, "HmacSHA256");
        for (String wrong : List.of(good.substring(0, 62), good + "00", good.substring(0, 63), "", "zz" + good.substring(2))) {
            Map<String, String> h = github("push", "d-" + wrong.length(), body);
            h.put("X-Hub-Signature-256", "sha256=" + wrong);
            assertThat(deliver(h, body).status()).as("signature '%s'", wrong).isEqualTo(403);
            Map<String, String> g = Map.of("X-Gitea-Event", "push", "X-Gitea-Signature", wrong.isEmpty() ? "0" : wrong);
            assertThat(deliver(g, body).status()).isEqualTo(403);
        }
        assertThat(syncs()).isEqualTo(1);
    }

    @Test
    void rejects_a_sha1_signature_even_when_it_is_right() throws Exception {
        String body = push("refs/heads/main");
        Map<String, String> h = github("push", "d-1", body);
        h.put("X-Hub-Signature-256", "sha1=" + hmac(SECRET, body, "HmacSHA1"));
        WebhookResponse r = deliver(h, body);
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.body().get("detail").toString()).contains("SHA-1");
        Map<String, String> legacy = Map.of("X-GitHub-Event", "push", "X-Hub-Signature", "sha1=" + hmac(SECRET, body, "HmacSHA1"));
        WebhookResponse r2 = deliver(legacy, body);
        assertThat(r2.status()).isEqualTo(403);
        assertThat(r2.body().get("detail").toString()).contains("X-Hub-Signature-256");
        assertThat(syncs()).isEqualTo(1);
    }

    @Test
    void rejects_a_delivery_without_signature() {
        WebhookResponse r = deliver(Map.of("X-GitHub-Event", "push"), push("refs/heads/main"));
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.body().get("detail").toString()).contains("no signature");
    }

    @Test
    void an_empty_body_is_refused_whether_signed_or_not() throws Exception {
        assertThat(deliver(Map.of("X-GitHub-Event", "push"), "").status()).isEqualTo(403);
        WebhookResponse signed = deliver(github("push", "d-1", ""), "");
        assertThat(signed.status()).isEqualTo(400);
        assertThat(signed.body()).containsEntry("error", "bad payload");
        Map<String, String> gitlab = Map.of("X-Gitlab-Token", SECRET, "X-Gitlab-Event", "Push Hook");
        assertThat(deliver(gitlab, "").status()).isEqualTo(400);
        assertThat(syncs()).isEqualTo(1);
    }

    @Test
    void a_ping_answers_200_without_syncing() throws Exception {
        String body = "{\"zen\":\"Keep it logically awesome.\",\"hook_id\":1}";
        WebhookResponse r = deliver(github("ping", "p-1", body), body);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).containsEntry("status", "pong");
        assertThat(syncs()).isEqualTo(1);
    }

    @Test
    void a_push_to_another_branch_or_another_event_is_ignored_with_202() throws Exception {
        String body = push("refs/heads/feature");
        WebhookResponse r = deliver(github("push", "d-1", body), body);
        assertThat(r.status()).isEqualTo(202);
        assertThat(r.body()).containsEntry("status", "ignored");
        assertThat(r.body().get("reason").toString()).contains("refs/heads/feature").contains("refs/heads/main");
        String tag = push("refs/tags/v1");
        assertThat(deliver(github("push", "d-2", tag), tag).status()).isEqualTo(202);
        String issue = "{\"action\":\"opened\"}";
        assertThat(deliver(github("issues", "d-3", issue), issue).status()).isEqualTo(202);
        assertThat(syncs()).isEqualTo(1);
    }

    @Test
    void a_replayed_delivery_id_is_not_synced_twice() throws Exception {
        String first = remote.commitAndPush("one", "context/GOALS.md", "g2");
        String body = push("refs/heads/main");
        assertThat(deliver(github("push", "same-id", body), body).body()).containsEntry("revision", first);
        int before = syncs();
        remote.commitAndPush("two", "context/GOALS.md", "g3");
        WebhookResponse replay = deliver(github("push", "same-id", body), body);
        assertThat(replay.status()).isEqualTo(200);
        assertThat(replay.body()).containsEntry("status", "duplicate").containsEntry("deliveryId", "same-id")
                .containsEntry("revision", first);
        assertThat(syncs()).isEqualTo(before);
        assertThat(mirror.revision()).isEqualTo(first);
        WebhookResponse fresh = deliver(github("push", "new-id", body), body);
        assertThat(fresh.body()).containsEntry("revision", remote.head());
    }

    @Test
    void a_body_over_25_mib_is_refused_with_413() throws Exception {
        String body = push("refs/heads/main");
        Map<String, String> h = github("push", "big-1", body);
        h.put("Content-Length", String.valueOf(SyncService.MAX_WEBHOOK_BYTES + 1));
        assertThat(deliver(h, body).status()).isEqualTo(413);
        Map<String, String> noLength = github("push", "big-2", body);
        InputStream huge = new InputStream() {
            long left = SyncService.MAX_WEBHOOK_BYTES + 1L;

            @Override
            public int read() {
                return left-- > 0 ? ' ' : -1;
            }
        };
        WebhookResponse r = service.handleWebhook(noLength, huge);
        assertThat(r.status()).isEqualTo(413);
        assertThat(r.body()).containsEntry("error", "payload too large");
        byte[] exactly = new byte[SyncService.MAX_WEBHOOK_BYTES];
        java.util.Arrays.fill(exactly, (byte) ' ');
        byte[] json = body.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(json, 0, exactly, 0, json.length);
        String padded = new String(exactly, StandardCharsets.UTF_8);
        WebhookResponse atLimit = service.handleWebhook(github("push", "big-3", padded), new ByteArrayInputStream(exactly));
        assertThat(atLimit.status()).as("exactly 25 MiB is accepted").isEqualTo(200);
    }

    @Test
    void without_a_secret_the_webhook_answers_503_with_how_to_enable_it() throws Exception {
        service.close();
        mirror.close();
        service = service(null);
        String body = push("refs/heads/main");
        WebhookResponse r = deliver(github("push", "d-1", body), body);
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.body().get("detail").toString()).contains("WEBHOOK_SECRET");
        assertThat(service.history()).isEmpty();
    }

    @Test
    void a_failed_sync_answers_503_and_a_redelivery_of_the_same_id_tries_again() throws Exception {
        Path away = dir.resolve("away.git");
        Files.move(remote.bare, away);
        String body = push("refs/heads/main");
        WebhookResponse failed = deliver(github("push", "retry-me", body), body);
        assertThat(failed.status()).isEqualTo(503);
        assertThat(failed.body()).containsEntry("error", "sync failed").containsEntry("revision", mirror.revision());
        assertThat(failed.body().get("detail").toString()).contains("no repository at");
        Files.move(away, remote.bare);
        String next = remote.commitAndPush("back", "context/GOALS.md", "g9");
        WebhookResponse again = deliver(github("push", "retry-me", body), body);
        assertThat(again.body()).containsEntry("status", "synced").containsEntry("revision", next);
    }

    @Test
    void a_server_in_local_mode_checks_the_signature_then_answers_409() throws Exception {
        String body = push("refs/heads/main");
        Secret secret = Secret.ofNullable(SECRET);
        WebhookResponse unsigned = SyncService.handleWebhookWithoutMirror(secret, Map.of(), new ByteArrayInputStream(new byte[0]));
        assertThat(unsigned.status()).isEqualTo(403);
        WebhookResponse signed = SyncService.handleWebhookWithoutMirror(secret, github("push", "x", body),
                new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)));
        assertThat(signed.status()).isEqualTo(409);
        assertThat(SyncService.handleWebhookWithoutMirror(null, Map.of(), new ByteArrayInputStream(new byte[0])).status())
                .isEqualTo(503);
    }

    @Test
    void a_wrong_forgejo_signature_is_refused_naming_the_header_that_was_sent() throws Exception {
        String body = push("refs/heads/main");
        WebhookResponse r = deliver(Map.of("X-Forgejo-Event", "push", "X-Forgejo-Signature", hmac("wrong", body, "HmacSHA256")), body);
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.body().get("detail").toString()).contains("X-Forgejo-Signature does not match").doesNotContain("X-Gitea");
        WebhookResponse gitea = deliver(Map.of("X-Gitea-Event", "push", "X-Gitea-Signature", hmac("wrong", body, "HmacSHA256")), body);
        assertThat(gitea.body().get("detail").toString()).contains("X-Gitea-Signature does not match");
    }

    @Test
    void a_gitlab_system_hook_carrying_a_push_syncs_and_its_other_events_are_ignored() {
        String next = remote.commitAndPush("goals", "context/GOALS.md", "g2");
        Map<String, String> h = Map.of("X-Gitlab-Event", "System Hook", "X-Gitlab-Token", SECRET, "X-Gitlab-Event-UUID", "s-1");
        // the shape of GitLab's documented System Hook push event
        String body = "{\"object_kind\":\"push\",\"event_name\":\"push\",\"before\":\"95790bf891e76fee5e1747ab589903a6a1f80f22\","
                + "\"after\":\"da1560886d4f094c3e6c9ef40349f7d38b5d27d7\",\"ref\":\"refs/heads/main\",\"checkout_sha\":null,"
                + "\"user_id\":4,\"project_id\":15,\"repository\":{\"name\":\"home\"},\"commits\":[],\"total_commits_count\":0}";
        WebhookResponse r = deliver(h, body);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).containsEntry("status", "synced").containsEntry("revision", next);
        int before = syncs();
        String created = "{\"event_name\":\"project_create\",\"name\":\"StoreCloud\",\"path\":\"storecloud\"}";
        WebhookResponse other = deliver(Map.of("X-Gitlab-Event", "System Hook", "X-Gitlab-Token", SECRET), created);
        assertThat(other.status()).isEqualTo(202);
        assertThat(other.body().get("reason").toString()).contains("project_create");
        assertThat(syncs()).isEqualTo(before);
    }

    @Test
    void a_gitlab_push_that_deletes_the_branch_answers_202_and_keeps_the_snapshot() {
        String kept = mirror.revision();
        String body = "{\"object_kind\":\"push\",\"ref\":\"refs/heads/main\",\"before\":\"" + kept + "\","
                + "\"after\":\"0000000000000000000000000000000000000000\",\"checkout_sha\":null}";
        WebhookResponse r = deliver(Map.of("X-Gitlab-Event", "Push Hook", "X-Gitlab-Token", SECRET), body);
        assertThat(r.status()).isEqualTo(202);
        assertThat(r.body()).containsEntry("status", "branch deleted").containsEntry("revision", kept);
        assertThat(service.status().branchDeleted()).contains("main").contains(kept);
        assertThat(mirror.revision()).isEqualTo(kept);
    }

    @Test
    void a_missing_or_malformed_signature_and_a_wrong_gitlab_token_are_refused_without_reading_the_body() {
        InputStream untouchable = new InputStream() {
            @Override
            public int read() {
                throw new AssertionError("the body was read");
            }
        };
        assertThat(service.handleWebhook(Map.of("X-GitHub-Event", "push"), untouchable).status()).isEqualTo(403);
        assertThat(service.handleWebhook(Map.of("X-Hub-Signature-256", "sha256=abc"), untouchable).status()).isEqualTo(403);
        assertThat(service.handleWebhook(Map.of("X-Gitea-Signature", "zz"), untouchable).status()).isEqualTo(403);
        assertThat(service.handleWebhook(Map.of("X-Gitlab-Token", "nope"), untouchable).status()).isEqualTo(403);
    }

    @Test
    void a_large_body_is_kept_in_a_file_under_state_while_it_is_checked_and_the_file_is_deleted_after() throws Exception {
        String next = remote.commitAndPush("goals", "context/GOALS.md", "g2");
        String body = "{\"ref\":\"refs/heads/main\",\"commits\":[\"" + "c".repeat(3 * WebhookBody.IN_MEMORY) + "\"]}";
        Path spool = dir.resolve("home/state/webhook");
        java.util.concurrent.atomic.AtomicBoolean sawFile = new java.util.concurrent.atomic.AtomicBoolean();
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        InputStream watched = new java.io.FilterInputStream(new ByteArrayInputStream(bytes)) {
            @Override
            public int read(byte[] b, int off, int len) throws java.io.IOException {
                int n = super.read(b, off, Math.min(len, 1024));
                if (n < 0) {
                    try (var files = Files.list(spool)) {
                        sawFile.set(files.anyMatch(f -> f.getFileName().toString().endsWith(".body")));
                    }
                }
                return n;
            }
        };
        WebhookResponse r = service.handleWebhook(github("push", "large-1", body), watched);
        assertThat(r.body()).containsEntry("revision", next);
        assertThat(sawFile).as("spooled to state/webhook/ while read").isTrue();
        try (var files = Files.list(spool)) {
            assertThat(files.toList()).isEmpty();
        }
        WebhookResponse wrong = service.handleWebhook(github("push", "large-2", body.replace("main", "mainx")),
                new ByteArrayInputStream(bytes));
        assertThat(wrong.status()).isEqualTo(403);
        try (var files = Files.list(spool)) {
            assertThat(files.toList()).isEmpty();
        }
    }

    @Test
    void deliveries_beyond_those_read_and_those_waiting_are_turned_away_with_503_and_retry_after() throws Exception {
        int held = WebhookHandler.BODIES_IN_FLIGHT + WebhookHandler.MAX_WAITING;
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(held);
        try {
            String body = push("refs/heads/main");
            Map<String, String> headers = github("push", null, body);
            List<java.util.concurrent.Future<WebhookResponse>> slow = new java.util.ArrayList<>();
            for (int i = 0; i < held; i++) {
                slow.add(pool.submit(() -> service.handleWebhook(headers, new InputStream() {
                    @Override
                    public int read() {
                        try {
                            release.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        return -1;
                    }
                })));
            }
            Thread.sleep(300); // let them all take a place or a seat in the queue
            long t0 = System.nanoTime();
            WebhookResponse busy = deliver(headers, body);
            assertThat((System.nanoTime() - t0) / 1_000_000).as("answered at once").isLessThan(2000);
            assertThat(busy.status()).isEqualTo(503);
            assertThat(busy.retryAfterSeconds()).isEqualTo(WebhookHandler.RETRY_AFTER_SECONDS);
            assertThat(busy.body()).containsEntry("error", "busy");
            release.countDown();
            for (var f : slow) {
                assertThat(f.get(30, java.util.concurrent.TimeUnit.SECONDS).status()).as("an empty body, once released").isIn(403, 400);
            }
            assertThat(deliver(headers, body).status()).as("places are given back").isEqualTo(200);
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
    }
}
