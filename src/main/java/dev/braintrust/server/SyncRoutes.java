package dev.braintrust.server;

import dev.braintrust.BrainTrust;
import dev.braintrust.sync.SyncService;
import dev.braintrust.sync.WebhookResponse;
import io.javalin.config.RoutesConfig;

/**
 * Cloud mode's routes: {@code POST /api/v1/webhook/sync-context} (open, authenticated by its
 * signature; the body is streamed, up to 25 MiB, through the sync service's checks) and {@code POST /api/v1/sync}
 * (API key). Both sync before they answer. In local mode both answer 409 (the webhook after checking
 * its signature).
 */
final class SyncRoutes implements Routes {
    private final BrainTrust brainTrust;

    SyncRoutes(BrainTrust brainTrust) {
        this.brainTrust = brainTrust;
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
    }
}
