package dev.braintrust.sync;

import dev.braintrust.context.ContextSnapshot;

import java.util.Map;

/**
 * How the server renders what a push is answered with: the webhook's answer, and the context a reader then asks
 * for. The sync's warm-up hands it those of its scratch pushes ({@link SyncService#warmUpInBackground}), so that the
 * first real push finds that rendering loaded and Jackson's serializers for it made (cold, the webhook's answer
 * alone took 10-20 ms). Nothing rendered is kept or sent.
 */
public interface PushRendering {
    /** Renders nothing: for callers with no server. */
    PushRendering NONE = new PushRendering() {
        @Override
        public void webhookAnswer(Map<String, Object> answer) {
        }

        @Override
        public void context(ContextSnapshot snapshot) {
        }
    };

    /** Renders a webhook's answer as the route does, and drops it. */
    void webhookAnswer(Map<String, Object> answer);

    /** Renders {@code snapshot} as {@code GET /api/v1/context} does, and drops it. */
    void context(ContextSnapshot snapshot);
}
