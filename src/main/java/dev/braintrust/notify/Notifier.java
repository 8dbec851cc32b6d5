package dev.braintrust.notify;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.braintrust.Config;
import dev.braintrust.Json;
import dev.braintrust.Secret;
import dev.braintrust.journal.ApprovalRecord;
import dev.braintrust.journal.NotificationLedger;
import dev.braintrust.journal.NotificationRecord;
import dev.braintrust.journal.RunRecord;
import dev.braintrust.journal.RunStatus;
import dev.braintrust.journal.ToolCallRecord;
import dev.braintrust.workflow.RunEvent;
import dev.braintrust.workflow.RunService;
import dev.braintrust.workflow.WorkflowLibrary;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The public face of notifications (issue 17): when a run finishes, fails, or waits for an approval, a signed
 * JSON POST to BRAIN_TRUST_NOTIFY_WEBHOOK and/or an ntfy push to BRAIN_TRUST_NOTIFY_NTFY (per workflow
 * overridable, see {@link NotifyPolicy}). Chats send nothing.
 *
 * <p><b>The webhook.</b> The body is {@code {"type": "run.finished" | "run.failed" | "run.waiting", "id", "timestamp",
 * "run": {...}, "approval": {...}}}. It is signed the Standard Webhooks way (so the {@code standardwebhooks} and
 * Svix libraries verify it): headers {@code webhook-id}, {@code webhook-timestamp} (Unix seconds) and
 * {@code webhook-signature: v1,<base64 HMAC-SHA256(key, id + "." + timestamp + "." + body)>}; and, for a receiver
 * that checks only the body, {@code X-Brain-Trust-Signature-256: sha256=<hex HMAC-SHA256(key, body)>}. The key is
 * BRAIN_TRUST_NOTIFY_SECRET, base64-decoded when it has the {@code whsec_} prefix, else its UTF-8 bytes.
 *
 * <p><b>ntfy.</b> A JSON publish ({@code topic, title, message, priority, click, tags}) to the server of the topic URL,
 * the click link opening the run page; BRAIN_TRUST_NOTIFY_NTFY_TOKEN is sent as a bearer token.
 *
 * <p>Delivery happens on its own threads: a failed attempt (no answer, 408, 429 or 5xx) is tried again up to
 * BRAIN_TRUST_NOTIFY_RETRIES times, waiting BRAIN_TRUST_NOTIFY_BACKOFF, then twice that, and so on; every attempt
 * is recorded in the run database. A notifier that fails never fails, delays or changes the run.
 */
public final class Notifier implements AutoCloseable {
    public static final String FINISHED = "finished";
    public static final String FAILED = "failed";
    public static final String WAITING = "waiting";
    static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(10);
    private static final Logger log = LoggerFactory.getLogger(Notifier.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final RunService runs;
    private final NotificationLedger ledger;
    private final WorkflowLibrary workflows;
    private final Clock clock;
    private final Config.Automation settings;
    private final String publicUrl;
    private final byte[] key;
    /** Made at the first delivery: a server that notifies nobody keeps no HTTP client (nor its selector thread). */
    private HttpClient http;
    private final ScheduledThreadPoolExecutor executor;
    private final Map<String, NotificationRecord> pending = new ConcurrentHashMap<>();
    private volatile boolean closed;

    public Notifier(Config config, RunService runs, NotificationLedger ledger, WorkflowLibrary workflows, Clock clock) {
        this.runs = runs;
        this.ledger = ledger;
        this.workflows = workflows;
        this.clock = clock;
        this.settings = config.automation();
        String url = settings.publicUrl() != null ? settings.publicUrl()
                : "http://" + (config.host().contains(":") ? "[" + config.host() + "]" : config.host()) + ":" + config.port();
        this.publicUrl = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        this.key = signingKey(settings.notifySecret());
        this.executor = new ScheduledThreadPoolExecutor(2, r -> {
            Thread t = new Thread(r, "notify");
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
    }

    /** True when at least one channel is configured on the server (a workflow can still name its own). */
    public boolean configured() {
        return settings.notifyWebhook() != null || settings.notifyNtfy() != null;
    }

    /** Receives every run event (on the run's thread): notifiable ones are handed to the notifier's threads at once. */
    public void onEvent(RunEvent event) {
        if (closed || (event.type() != RunEvent.Type.DONE && event.type() != RunEvent.Type.APPROVAL_REQUESTED)) {
            return;
        }
        executor.execute(() -> {
            try {
                prepare(event);
            } catch (RuntimeException e) {
                log.warn("run {}: no notification: {}", event.runId(), e.getMessage());
            }
        });
    }

    private void prepare(RunEvent event) {
        RunRecord run = runs.get(event.runId());
        if ("chat".equals(run.source())) {
            return;
        }
        String what = event.type() == RunEvent.Type.APPROVAL_REQUESTED ? WAITING
                : run.status() == RunStatus.SUCCEEDED ? FINISHED : FAILED;
        NotifyPolicy policy = NotifyPolicy.of(workflows, run.workflow(), settings.notifyWebhook(), settings.notifyNtfy());
        if (!policy.events().contains(what)) {
            return;
        }
        ApprovalRecord approval = WAITING.equals(what) ? runs.approvals(run.id()).stream()
                .filter(a -> a.pending() && a.nodeId().equals(event.nodeId())).reduce((a, b) -> b).orElse(null) : null;
        String id = "ntf_" + HexFormat.of().formatHex(bytes(12));
        if (policy.webhook() != null && key != null) {
            String body = webhookBody(id, what, run, approval, event);
            deliver(new NotificationRecord(id + "_w", run.id(), "webhook", what, target(policy.webhook()), NotificationRecord.PENDING,
                    0, null, null, clock.instant(), clock.instant()), () -> webhookRequest(policy.webhook(), id, body, what));
        }
        if (policy.ntfy() != null) {
            String body = ntfyBody(policy.ntfy(), what, run, approval, event);
            deliver(new NotificationRecord(id + "_n", run.id(), "ntfy", what, target(policy.ntfy()), NotificationRecord.PENDING,
                    0, null, null, clock.instant(), clock.instant()), () -> ntfyRequest(policy.ntfy(), body));
        }
    }

    @FunctionalInterface
    private interface RequestFactory {
        HttpRequest build();
    }

    private void deliver(NotificationRecord record, RequestFactory request) {
        pending.put(record.id(), record);
        save(record);
        attempt(record, request);
    }

    private synchronized HttpClient http() {
        if (http == null) {
            http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).version(HttpClient.Version.HTTP_1_1).build();
        }
        return http;
    }

    private void attempt(NotificationRecord before, RequestFactory request) {
        if (closed) {
            return;
        }
        int attempts = before.attempts() + 1;
        Integer status = null;
        String error;
        try {
            HttpResponse<String> response = http().send(request.build(), HttpResponse.BodyHandlers.ofString());
            status = response.statusCode();
            error = status / 100 == 2 ? null : "answered " + status + excerpt(response.body());
        } catch (IOException e) {
            error = "cannot reach it: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            error = "the server stopped first";
        } catch (RuntimeException e) {
            error = e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        boolean retryable = status == null || status == 408 || status == 429 || status >= 500;
        String outcome = error == null ? NotificationRecord.DELIVERED
                : retryable && attempts <= settings.notifyRetries() && !closed ? NotificationRecord.PENDING : NotificationRecord.FAILED;
        NotificationRecord now = new NotificationRecord(before.id(), before.runId(), before.channel(), before.event(), before.target(),
                outcome, attempts, status, error, before.createdAt(), clock.instant());
        save(now);
        if (!NotificationRecord.PENDING.equals(outcome)) {
            pending.remove(now.id());
            if (error != null) {
                log.warn("run {}: the {} notification to {} failed after {} attempt(s): {}", now.runId(), now.channel(), now.target(),
                        attempts, error);
            }
            return;
        }
        pending.put(now.id(), now);
        long wait = settings.notifyBackoff().toMillis() << Math.min(attempts - 1, 16);
        executor.schedule(() -> attempt(now, request), wait, TimeUnit.MILLISECONDS);
    }

    private HttpRequest webhookRequest(String url, String id, String body, String what) {
        String timestamp = Long.toString(clock.instant().getEpochSecond());
        byte[] payload = body.getBytes(StandardCharsets.UTF_8);
        return HttpRequest.newBuilder(URI.create(url)).timeout(ATTEMPT_TIMEOUT)
                .header("Content-Type", "application/json")
                .header("User-Agent", "Brain-Trust-Notifier")
                .header("webhook-id", id)
                .header("webhook-timestamp", timestamp)
                .header("webhook-signature", "v1," + Base64.getEncoder().encodeToString(
                        hmac((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8), payload)))
                .header("X-Brain-Trust-Event", "run." + what)
                .header("X-Brain-Trust-Signature-256", "sha256=" + HexFormat.of().formatHex(hmac(new byte[0], payload)))
                .POST(HttpRequest.BodyPublishers.ofByteArray(payload)).build();
    }

    private HttpRequest ntfyRequest(String topicUrl, String body) {
        URI topic = URI.create(topicUrl);
        String path = topic.getPath() == null ? "/" : topic.getPath();
        String root = path.substring(0, path.lastIndexOf('/') + 1);
        HttpRequest.Builder request = HttpRequest.newBuilder(topic.resolve(root.isEmpty() ? "/" : root)).timeout(ATTEMPT_TIMEOUT)
                .header("Content-Type", "application/json")
                .header("User-Agent", "Brain-Trust-Notifier")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        Secret token = settings.notifyNtfyToken();
        if (token != null) {
            request.header("Authorization", "Bearer " + token.reveal());
        }
        return request.build();
    }

    private String webhookBody(String id, String what, RunRecord run, ApprovalRecord approval, RunEvent event) {
        ObjectNode root = Json.mapper().createObjectNode();
        root.put("type", "run." + what);
        root.put("id", id);
        root.put("timestamp", clock.instant().toString());
        ObjectNode r = root.putObject("run");
        r.put("id", run.id());
        r.put("workflow", run.workflow());
        r.put("status", run.status().label());
        r.put("source", run.source());
        r.put("revision", run.revision());
        r.put("startedAt", run.startedAt().toString());
        r.put("finishedAt", run.finishedAt() == null ? null : run.finishedAt().toString());
        if (run.durationMs() != null) {
            r.put("durationMs", run.durationMs());
        }
        r.put("error", run.error());
        r.put("outputExcerpt", ToolCallRecord.excerpt(run.finalOutput(), 1000));
        r.put("url", runUrl(run.id()));
        if (approval != null) {
            ObjectNode a = root.putObject("approval");
            a.put("step", approval.nodeId());
            a.put("agent", event.agent());
            a.put("kind", approval.kind());
            a.put("subject", ToolCallRecord.excerpt(approval.subject(), 4000));
            a.put("expiresAt", approval.expiresAt().toString());
            a.put("decide", publicUrl + "/api/v1/runs/" + run.id() + "/approvals/" + approval.nodeId());
            a.put("url", runUrl(run.id()));
        }
        return write(root);
    }

    private String ntfyBody(String topicUrl, String what, RunRecord run, ApprovalRecord approval, RunEvent event) {
        URI topic = URI.create(topicUrl);
        String path = topic.getPath() == null ? "" : topic.getPath();
        ObjectNode root = Json.mapper().createObjectNode();
        root.put("topic", path.substring(path.lastIndexOf('/') + 1));
        switch (what) {
            case WAITING -> {
                root.put("title", "Brain Trust: " + run.workflow() + " waits for your approval");
                root.put("message", (event.agent() == null ? "A step" : event.agent()) + " (" + (approval == null ? "" : approval.kind())
                        + "): " + ToolCallRecord.excerpt(approval == null ? "" : approval.subject(), 500));
                root.put("priority", 4);
                root.putArray("tags").add("raised_hand");
            }
            case FINISHED -> {
                root.put("title", "Brain Trust: " + run.workflow() + " finished");
                root.put("message", Optional.ofNullable(ToolCallRecord.excerpt(run.finalOutput(), 500)).orElse("(no output)"));
                root.put("priority", 3);
                root.putArray("tags").add("white_check_mark");
            }
            default -> {
                root.put("title", "Brain Trust: " + run.workflow() + (run.status() == RunStatus.BUDGET ? " stopped by a budget"
                        : " " + run.status().label()));
                root.put("message", Optional.ofNullable(run.error()).orElse("the run did not succeed"));
                root.put("priority", 4);
                root.putArray("tags").add("warning");
            }
        }
        root.put("click", runUrl(run.id()));
        return write(root);
    }

    private String runUrl(String runId) {
        return publicUrl + "/#/runs/" + runId;
    }

    private byte[] hmac(byte[] prefix, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update(prefix);
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JVM has HmacSHA256", e);
        }
    }

    /** {@code whsec_<base64>} as Standard Webhooks issue them, else the secret's own bytes. */
    static byte[] signingKey(Secret secret) {
        if (secret == null) {
            return null;
        }
        String value = secret.reveal();
        if (value.startsWith("whsec_")) {
            try {
                return Base64.getDecoder().decode(value.substring("whsec_".length()));
            } catch (IllegalArgumentException e) {
                return value.getBytes(StandardCharsets.UTF_8);
            }
        }
        return value.getBytes(StandardCharsets.UTF_8);
    }

    /** Scheme, host and port of a URL: where a notification goes, without its path (an ntfy topic can be a secret) or credentials. */
    static String target(String url) {
        URI uri = URI.create(url);
        return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
    }

    private void save(NotificationRecord record) {
        try {
            ledger.save(record);
        } catch (RuntimeException e) {
            log.warn("run {}: the notification record was not saved: {}", record.runId(), e.getMessage());
        }
    }

    private static String excerpt(String body) {
        if (body == null || body.isBlank()) {
            return "";
        }
        String one = body.replaceAll("\\s+", " ").strip();
        return ": " + (one.length() <= 200 ? one : one.substring(0, 200) + "…");
    }

    private static String write(ObjectNode node) {
        try {
            return Json.mapper().writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree always writes", e);
        }
    }

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    /** The notifications of a run and how their delivery went. */
    public List<NotificationRecord> ofRun(String runId) {
        return ledger.ofRun(runId);
    }

    /**
     * Lets deliveries in progress finish (up to two seconds); those still waiting for a retry are recorded as
     * abandoned.
     */
    @Override
    public void close() {
        executor.shutdown();
        try {
            executor.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closed = true;
        executor.shutdownNow();
        for (NotificationRecord p : pending.values()) {
            save(new NotificationRecord(p.id(), p.runId(), p.channel(), p.event(), p.target(), NotificationRecord.ABANDONED,
                    p.attempts(), p.lastStatus(), p.lastError() == null ? "the server stopped before it was delivered" : p.lastError(),
                    p.createdAt(), clock.instant()));
        }
    }

}
