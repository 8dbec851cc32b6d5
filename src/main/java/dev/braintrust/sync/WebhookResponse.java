package dev.braintrust.sync;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the webhook answers, whatever serves it: an HTTP status and a JSON body. Bodies of errors
 * have the API's shape, {@code {"error": ..., "detail": ...}}.
 *
 * @param retryAfterSeconds for a delivery turned away unread because too many are being read: when
 *                          to try again ({@code Retry-After}); null otherwise
 */
public record WebhookResponse(int status, Map<String, Object> body, Integer retryAfterSeconds) {
    public WebhookResponse {
        body = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(body));
    }

    public WebhookResponse(int status, Map<String, Object> body) {
        this(status, body, null);
    }

    /** True when the body was left unread: the connection is better closed than drained. */
    public boolean bodyUnread() {
        return retryAfterSeconds != null;
    }

    static WebhookResponse busy(int retryAfterSeconds) {
        return new WebhookResponse(503, error(503, "busy", "too many webhook deliveries are being read at once; "
                + "try again in " + retryAfterSeconds + " s").body(), retryAfterSeconds);
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
