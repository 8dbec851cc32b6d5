package dev.braintrust.sync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.braintrust.BrainTrustException;
import dev.braintrust.Json;
import dev.braintrust.Secret;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * The webhook of ARCHITECTURE.md §3 without any HTTP: checks (secret, size, signature), the event
 * and the branch, then asks the sync service for a sync, remembering delivery ids so a replayed
 * delivery is not synced twice.
 */
final class WebhookHandler {
    static final int REMEMBERED_DELIVERIES = 4096;
    private static final ObjectMapper JSON = Json.mapper();

    private final Secret secret;
    private final SyncService service;
    private final Map<String, CompletableFuture<SyncResult>> deliveries = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, CompletableFuture<SyncResult>> eldest) {
            return size() > REMEMBERED_DELIVERIES;
        }
    };

    /** @param service null in local mode: deliveries are checked, then answered 409 */
    WebhookHandler(Secret secret, SyncService service) {
        this.secret = secret;
        this.service = service;
    }

    WebhookResponse handle(Map<String, String> rawHeaders, InputStream body) {
        if (secret == null) {
            return service == null ? WebhookResponse.disabledInLocalMode() : WebhookResponse.disabled();
        }
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        rawHeaders.forEach((k, v) -> {
            if (k != null && v != null) {
                headers.put(k, v);
            }
        });
        byte[] bytes = readCapped(headers, body);
        if (bytes == null) {
            return WebhookResponse.error(413, "payload too large", "webhook bodies are limited to 25 MiB");
        }
        WebhookSignature.Verified delivery;
        try {
            delivery = WebhookSignature.verify(secret, headers, bytes);
        } catch (WebhookSignature.Rejected e) {
            return WebhookResponse.error(403, "forbidden", e.getMessage() + "; nothing was synced");
        }
        if (service == null) {
            return WebhookResponse.localMode();
        }
        return serve(delivery, bytes);
    }

    private static byte[] readCapped(Map<String, String> headers, InputStream body) {
        String length = headers.get("Content-Length");
        if (length != null) {
            try {
                if (Long.parseLong(length.strip()) > SyncService.MAX_WEBHOOK_BYTES) {
                    return null;
                }
            } catch (NumberFormatException ignored) {
                // the body's real size decides
            }
        }
        try {
            byte[] bytes = body == null ? new byte[0] : body.readNBytes(SyncService.MAX_WEBHOOK_BYTES + 1);
            return bytes.length > SyncService.MAX_WEBHOOK_BYTES ? null : bytes;
        } catch (IOException e) {
            throw new BrainTrustException.BadInput("the webhook body could not be read: " + e.getMessage(), e);
        }
    }

    private WebhookResponse serve(WebhookSignature.Verified delivery, byte[] body) {
        String event = delivery.event() == null ? null : delivery.event().strip().toLowerCase(java.util.Locale.ROOT);
        if ("ping".equals(event)) {
            return WebhookResponse.of(200, "status", "pong", "provider", delivery.provider().name().toLowerCase(java.util.Locale.ROOT));
        }
        boolean push = event == null || event.equals("push") || event.equals("push hook");
        if (!push) {
            return WebhookResponse.of(202, "status", "ignored", "reason", "the event '" + delivery.event()
                    + "' does not change the branch; only pushes are synced");
        }
        String ref = refOf(body);
        if (ref == null) {
            return WebhookResponse.error(400, "bad payload", "the body is not a push event: a JSON object with a \"ref\" "
                    + "such as \"refs/heads/" + service.mirror().remote().branch() + "\" was expected");
        }
        if (!ref.equals(service.mirror().remote().branchRef())) {
            return WebhookResponse.of(202, "status", "ignored", "reason", "a push to " + ref + "; this server follows "
                    + service.mirror().remote().branchRef());
        }
        String key = delivery.deliveryId() == null ? null : delivery.provider() + ":" + delivery.deliveryId();
        CompletableFuture<SyncResult> earlier = null;
        SyncService.Ticket ticket = null;
        if (key != null) {
            synchronized (deliveries) {
                earlier = deliveries.get(key);
                if (earlier == null) {
                    ticket = service.reserve("webhook");
                    deliveries.put(key, ticket.future());
                }
            }
        } else {
            ticket = service.reserve("webhook");
        }
        if (earlier != null) {
            SyncResult first = service.await(earlier);
            return WebhookResponse.of(200, "status", "duplicate", "deliveryId", delivery.deliveryId(),
                    "revision", first.failed() ? service.mirror().revision() : first.revision(),
                    "detail", "this delivery was received before; it is not synced twice");
        }
        SyncResult result = service.await(ticket.runIfMine()); // outside the lock: other deliveries queue meanwhile
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
        return WebhookResponse.ok(result.toResponse());
    }

    private String refOf(byte[] body) {
        if (body.length == 0) {
            return null;
        }
        try {
            JsonNode root = JSON.readTree(body);
            JsonNode ref = root == null ? null : root.get("ref");
            return ref != null && ref.isTextual() ? ref.asText() : null;
        } catch (IOException e) {
            return null;
        }
    }
}
