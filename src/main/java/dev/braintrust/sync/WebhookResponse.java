package dev.braintrust.sync;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the webhook answers, whatever serves it: an HTTP status and a JSON body. Bodies of errors
 * have the API's shape, {@code {"error": ..., "detail": ...}}.
 */
public record WebhookResponse(int status, Map<String, Object> body) {
    public WebhookResponse {
        body = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(body));
    }

    static WebhookResponse ok(Map<String, Object> body) {
        return new WebhookResponse(200, body);
    }

    static WebhookResponse of(int status, Object... keysAndValues) {
        Map<String, Object> body = new LinkedHashMap<>();
        for (int i = 0; i + 1 < keysAndValues.length; i += 2) {
            body.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return new WebhookResponse(status, body);
    }

    static WebhookResponse error(int status, String error, String detail) {
        return of(status, "error", error, "detail", detail);
    }

    /** The answer when the webhook secret is not configured. */
    public static WebhookResponse disabled() {
        return error(503, "webhook disabled", "set WEBHOOK_SECRET to the secret entered in the repository's webhook "
                + "settings (GitHub, GitLab, Gitea or Forgejo) and restart the server; until then deliveries are refused");
    }

    /** The answer of a server in local mode without a webhook secret: the secret alone would not make the webhook work. */
    public static WebhookResponse disabledInLocalMode() {
        return error(503, "webhook disabled", "this server is in local mode (no BRAIN_TRUST_GIT_URL): it reads its home "
                + "folder, so there is no repository to sync and nothing was done. To sync on push, start the server with "
                + "BRAIN_TRUST_GIT_URL and WEBHOOK_SECRET");
    }

    /** The answer of a server in local mode, which has no repository to sync. */
    public static WebhookResponse localMode() {
        return error(409, "not in cloud mode", "this server is in local mode: it reads its home folder, so there is no "
                + "repository to sync and nothing was done. To follow a repository, start the server with BRAIN_TRUST_GIT_URL "
                + "(and WEBHOOK_SECRET for this webhook)");
    }
}
