package dev.braintrust.server;

import dev.braintrust.BrainTrust;
import dev.braintrust.sync.SyncService;
import dev.braintrust.sync.WebhookResponse;
import io.javalin.config.RoutesConfig;

/**
 * Cloud mode's routes: {@code POST /api/v1/webhook/sync-context} (open, authenticated by its
 * signature; the body is streamed, up to 25 MiB, through the sync service's checks) and {@code POST /api/v1/sync}
 * (API key). Both sync before they answer. In local mode both answer 409 (the webhook after checking
 * its signature). {@code POST /api/v1/sync/pin} {@code {"commit"}} pins the server to a commit (it serves it and stops
 * following the branch); {@code POST /api/v1/sync/unpin} (or {@code DELETE /api/v1/sync/pin}) follows the branch
 * again and syncs. Both are 409 in local mode.
 */
final class SyncRoutes implements Routes {
    private final BrainTrust brainTrust;
    private final JsonBodies bodies;

    SyncRoutes(BrainTrust brainTrust, JsonBodies bodies) {
        this.brainTrust = brainTrust;
        this.bodies = bodies;
    }

    @Override
    public void addTo(RoutesConfig routes) {
        routes.post("/api/v1/webhook/sync-context", ctx -> {
            WebhookResponse answer = brainTrust.webhook(ctx.headerMap(), ctx.req().getInputStream());
            if (answer.bodyUnread()) {
                ctx.header("Retry-After", Integer.toString(answer.retryAfterSeconds()));
                ctx.header("Connection", "close"); // a body refused for load is not read, not even to drain it
            }
            ctx.status(answer.status()).json(answer.body());
        });
        routes.post("/api/v1/sync", ctx -> {
            SyncService sync = brainTrust.sync().orElse(null);
            if (sync == null) {
                WebhookResponse localMode = WebhookResponse.localMode();
                ctx.status(localMode.status()).json(localMode.body());
                return;
            }
            ctx.json(sync.syncNow("api").toResponse()); // a failed sync throws Unavailable: 503 with the reason
        });
        routes.post("/api/v1/sync/pin", ctx -> {
            com.fasterxml.jackson.databind.JsonNode body = bodies.read(ctx);
            String commit = body == null ? null : body.path("commit").asText(null);
            if (commit == null || commit.isBlank()) {
                throw new dev.braintrust.BrainTrustException.BadInput("send {\"commit\": \"<commit id>\"}: the commit to pin the server to");
            }
            ctx.json(cloudOnly().pin(commit, "api"));
        });
        routes.post("/api/v1/sync/unpin", ctx -> ctx.json(unpin()));
        routes.delete("/api/v1/sync/pin", ctx -> ctx.json(unpin()));
    }

    private java.util.Map<String, Object> unpin() {
        SyncService sync = cloudOnly();
        java.util.Map<String, Object> body = new java.util.LinkedHashMap<>(sync.unpin("api").toResponse());
        body.put("following", sync.status().branch());
        return body;
    }

    private SyncService cloudOnly() {
        return brainTrust.sync().orElseThrow(() -> new io.javalin.http.HttpResponseException(409,
                "pinning is for cloud mode, where a git repository is the source of truth; in local mode restore a "
                        + "version instead: POST /api/v1/history/{id}/restore (brain-trust restore <id>)"));
    }
}
