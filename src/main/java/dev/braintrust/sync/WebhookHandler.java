package dev.braintrust.sync;

import dev.braintrust.BrainTrustException;
import dev.braintrust.Secret;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The webhook of ARCHITECTURE.md §3 without any HTTP: checks (secret, size, signature), the event
 * and the branch, then asks the sync service for a sync, remembering delivery ids so a replayed
 * delivery is not synced twice.
 *
 * <p>Anyone may call the webhook, so what a delivery costs is bounded before its signature is
 * known: the headers are checked first (no signature, a malformed one or a wrong GitLab token is
 * refused unread); at most {@link #BODIES_IN_FLIGHT} bodies are read at once, each streamed through
 * the MAC into a {@link WebhookBody} (memory for small ones, a file under {@code state/webhook/}
 * for large ones), within {@link #BODY_DEADLINE}; up to {@link #MAX_WAITING} more deliveries wait
 * up to {@link #WAIT_FOR_PLACE} for a place, and the others are answered 503 with
 * {@code Retry-After}. Only a verified body is parsed, and only its few top-level fields.
 */
final class WebhookHandler {
    /** The trigger of the syncs deliveries ask for. */
    static final String TRIGGER = "webhook";
    static final int REMEMBERED_DELIVERIES = 4096;
    static final int BODIES_IN_FLIGHT = 2;
    static final int MAX_WAITING = 16;
    static final Duration WAIT_FOR_PLACE = dev.braintrust.Config.DEFAULT_WEBHOOK_WAIT;
    static final Duration BODY_DEADLINE = dev.braintrust.Config.DEFAULT_WEBHOOK_BODY_DEADLINE;
    static final int RETRY_AFTER_SECONDS = 5;

    private final Secret secret;
    private final SyncService service;
    private final Path spoolDir;
    private final Semaphore places = new Semaphore(BODIES_IN_FLIGHT, true);
    private final AtomicInteger waiting = new AtomicInteger();
    private final Map<String, CompletableFuture<SyncResult>> deliveries = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, CompletableFuture<SyncResult>> eldest) {
            return size() > REMEMBERED_DELIVERIES;
        }
    };

    /**
     * @param service  null in local mode: deliveries are checked, then answered 409
     * @param spoolDir where large verified bodies wait to be parsed; unused in local mode
     */
    WebhookHandler(Secret secret, SyncService service, Path spoolDir) {
        this.secret = secret;
        this.service = service;
        this.spoolDir = spoolDir;
        if (spoolDir != null) {
            WebhookBody.deleteLeftovers(spoolDir);
        }
    }

    WebhookResponse handle(Map<String, String> rawHeaders, InputStream body) {
        SyncSteps.Timer timer = new SyncSteps.Timer();
        if (secret == null) {
            return service == null ? WebhookResponse.disabledInLocalMode() : WebhookResponse.disabled();
        }
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        rawHeaders.forEach((k, v) -> {
            if (k != null && v != null) {
                headers.put(k, v);
            }
        });
        if (declaredTooLarge(headers)) {
            return tooLarge();
        }
        WebhookSignature.Claim claim;
        try {
            claim = WebhookSignature.claim(secret, headers);
        } catch (WebhookSignature.Rejected e) {
            return forbidden(e);
        }
        timer.lap("webhook: headers");
        if (!takePlace()) {
            return WebhookResponse.busy(RETRY_AFTER_SECONDS);
        }
        timer.lap("webhook: wait for a place");
        WebhookSignature.Verified delivery;
        PushPayload payload = null;
        try (WebhookBody received = WebhookBody.read(body, claim.mac(), service == null ? null : spoolDir,
                SyncService.MAX_WEBHOOK_BYTES, BODY_DEADLINE)) {
            delivery = claim.check(received.digest());
            timer.lap("webhook: body and signature");
            if (service == null) {
                return WebhookResponse.localMode();
            }
            String event = eventOf(delivery);
            if ("ping".equals(event)) {
                return WebhookResponse.of(200, "status", "pong", "provider", delivery.provider().name().toLowerCase(Locale.ROOT));
            }
            if (!isPush(event) && !"system hook".equals(event)) {
                return WebhookResponse.of(202, "status", "ignored", "reason", "the event '" + delivery.event()
                        + "' does not change the branch; only pushes are synced");
            }
            if (received.size() == 0) {
                return notAPush();
            }
            try (InputStream in = received.open()) {
                payload = PushPayload.read(in, PushPayload.isForm(headers.get("Content-Type")));
            }
            if ("system hook".equals(event) && !"push".equals(payload.eventName())) {
                return WebhookResponse.of(202, "status", "ignored", "reason", "the system hook event '" + payload.eventName()
                        + "' does not change the branch; only pushes are synced");
            }
        } catch (WebhookSignature.Rejected e) {
            return forbidden(e);
        } catch (WebhookBody.TooLarge e) {
            return tooLarge();
        } catch (WebhookBody.TooSlow e) {
            return WebhookResponse.error(408, "request timeout", "the body took longer than " + BODY_DEADLINE.toSeconds()
                    + " s to arrive; nothing was synced");
        } catch (PushPayload.NotAPush e) {
            return notAPush(e.getMessage());
        } catch (IOException e) {
            throw new BrainTrustException.BadInput("the webhook body could not be read: " + e.getMessage(), e);
        } finally {
            places.release();
        }
        timer.lap("webhook: payload");
        return serve(delivery, payload, timer);
    }

    /** A place to read a body: at once, or after waiting in a short queue; false when the queue is full too. */
    private boolean takePlace() {
        if (places.tryAcquire()) {
            return true;
        }
        if (waiting.incrementAndGet() > MAX_WAITING) {
            waiting.decrementAndGet();
            return false;
        }
        try {
            return places.tryAcquire(WAIT_FOR_PLACE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            waiting.decrementAndGet();
        }
    }

    private static boolean declaredTooLarge(Map<String, String> headers) {
        String length = headers.get("Content-Length");
        if (length != null) {
            try {
                return Long.parseLong(length.strip()) > SyncService.MAX_WEBHOOK_BYTES;
            } catch (NumberFormatException ignored) {
                // the body's real size decides
            }
        }
        return false;
    }

    private static String eventOf(WebhookSignature.Verified delivery) {
        return delivery.event() == null ? null : delivery.event().strip().toLowerCase(Locale.ROOT);
    }

    private static boolean isPush(String event) {
        return event == null || event.equals("push") || event.equals("push hook");
    }

    private static WebhookResponse tooLarge() {
        return WebhookResponse.error(413, "payload too large", "webhook bodies are limited to 25 MiB");
    }

    private static WebhookResponse forbidden(WebhookSignature.Rejected e) {
        return WebhookResponse.error(403, "forbidden", e.getMessage() + "; nothing was synced");
    }

    private WebhookResponse notAPush() {
        return notAPush(null);
    }

    private WebhookResponse notAPush(String why) {
        return WebhookResponse.error(400, "bad payload", (why == null ? "" : why + ": ") + "the body is not a push event: "
                + "a JSON object with a \"ref\" such as \"refs/heads/" + service.mirror().remote().branch() + "\" was expected");
    }

    private WebhookResponse serve(WebhookSignature.Verified delivery, PushPayload payload, SyncSteps.Timer timer) {
        String ref = payload.ref();
        if (ref == null) {
            return notAPush();
        }
        if (!ref.equals(service.mirror().remote().branchRef())) {
            return WebhookResponse.of(202, "status", "ignored", "reason", "a push to " + ref + "; this server follows "
                    + service.mirror().remote().branchRef());
        }
        if (payload.branchDeleted()) {
            service.branchDeleted("webhook");
            return WebhookResponse.of(202, "status", "branch deleted", "detail", "the branch was deleted; the last good "
                    + "snapshot is kept" + (service.mirror().revision() == null ? "" : " (" + service.mirror().revision() + ")")
                    + " until a push brings the branch back", "revision", service.mirror().revision());
        }
        String key = delivery.deliveryId() == null ? null : delivery.provider() + ":" + delivery.deliveryId();
        CompletableFuture<SyncResult> earlier = null;
        SyncService.Ticket ticket = null;
        if (key != null) {
            synchronized (deliveries) {
                earlier = deliveries.get(key);
                if (earlier == null) {
                    ticket = service.reserve(TRIGGER);
                    deliveries.put(key, ticket.future());
                }
            }
        } else {
            ticket = service.reserve(TRIGGER);
        }
        if (earlier != null) {
            SyncResult first = service.await(earlier);
            return WebhookResponse.of(200, "status", "duplicate", "deliveryId", delivery.deliveryId(),
                    "revision", first.failed() ? service.mirror().revision() : first.revision(),
                    "detail", "this delivery was received before; it is not synced twice");
        }
        timer.lap("webhook: delivery id");
        long waitStarted = System.nanoTime();
        SyncResult result = service.await(ticket.runIfMine()); // outside the lock: other deliveries queue meanwhile
        long waitedMicros = (System.nanoTime() - waitStarted) / 1000;
        if (result.failed()) {
            if (key != null) {
                synchronized (deliveries) {
                    deliveries.remove(key, ticket.future()); // let the provider's redelivery try again
                }
            }
            Map<String, Object> failure = new LinkedHashMap<>();
            failure.put("error", "sync failed");
            failure.put("detail", result.error());
            failure.put("revision", service.mirror().revision());
            return new WebhookResponse(503, failure);
        }
        long syncMicros = result.steps() == null ? 0 : result.steps().micros().values().stream().mapToLong(Long::longValue).sum();
        SyncSteps webhookSteps = timer.steps().plus(new SyncSteps(Map.of("webhook: waiting for its sync",
                Math.max(0, waitedMicros - syncMicros))));
        return WebhookResponse.ok(result.toResponse(webhookSteps));
    }
}
