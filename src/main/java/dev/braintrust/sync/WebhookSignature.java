package dev.braintrust.sync;

import dev.braintrust.Secret;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;

/**
 * Checks who sent a webhook delivery (ARCHITECTURE.md §3), in constant time:
 * GitHub's {@code X-Hub-Signature-256: sha256=<hex HMAC-SHA256>}, Gitea's and Forgejo's
 * {@code X-Gitea-Signature} / {@code X-Forgejo-Signature: <hex HMAC-SHA256>}, GitLab's
 * {@code X-Gitlab-Token: <secret>}. SHA-1 signatures are refused.
 */
final class WebhookSignature {
    enum Provider { GITHUB, GITLAB, GITEA }

    /** A delivery whose signature holds. */
    record Verified(Provider provider, String event, String deliveryId) {
    }

    /** A delivery whose signature is missing or wrong; the reason is safe to show to the caller. */
    static final class Rejected extends Exception {
        Rejected(String reason) {
            super(reason, null, false, false);
        }
    }

    private WebhookSignature() {
    }

    /**
     * @param headers the request headers, looked up case-insensitively
     * @throws Rejected when no signature is present or it does not match
     */
    static Verified verify(Secret secret, Map<String, String> headers, byte[] body) throws Rejected {
        String gitea = first(headers, "X-Gitea-Signature", "X-Forgejo-Signature");
        String github = headers.get("X-Hub-Signature-256");
        String gitlab = headers.get("X-Gitlab-Token");
        if (gitea != null) {
            checkHmac(secret, gitea.strip(), body, "X-Gitea-Signature");
            return new Verified(Provider.GITEA, first(headers, "X-Gitea-Event", "X-Forgejo-Event", "X-GitHub-Event"),
                    first(headers, "X-Gitea-Delivery", "X-Forgejo-Delivery", "X-GitHub-Delivery"));
        }
        if (github != null) {
            String value = github.strip();
            if (!value.regionMatches(true, 0, "sha256=", 0, 7)) {
                throw new Rejected("X-Hub-Signature-256 must be 'sha256=' followed by the hex HMAC-SHA256 of the body"
                        + (value.regionMatches(true, 0, "sha1=", 0, 5) ? "; SHA-1 signatures are not accepted" : ""));
            }
            checkHmac(secret, value.substring(7), body, "X-Hub-Signature-256");
            return new Verified(Provider.GITHUB, headers.get("X-GitHub-Event"), headers.get("X-GitHub-Delivery"));
        }
        if (gitlab != null) {
            if (!secret.matches(gitlab)) {
                throw new Rejected("X-Gitlab-Token does not match the webhook secret");
            }
            return new Verified(Provider.GITLAB, headers.get("X-Gitlab-Event"),
                    first(headers, "X-Gitlab-Event-UUID", "X-Gitlab-Webhook-UUID", "Idempotency-Key"));
        }
        if (headers.get("X-Hub-Signature") != null) {
            throw new Rejected("only SHA-256 signatures are accepted: configure the webhook so it sends X-Hub-Signature-256");
        }
        throw new Rejected("no signature: send X-Hub-Signature-256 (GitHub), X-Gitea-Signature (Gitea, Forgejo) "
                + "or X-Gitlab-Token (GitLab), made with the webhook secret");
    }

    private static void checkHmac(Secret secret, String hex, byte[] body, String header) throws Rejected {
        byte[] expected = hmacSha256(secret, body);
        byte[] given;
        try {
            given = HexFormat.of().parseHex(hex.toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new Rejected(header + " is not a hex HMAC-SHA256");
        }
        // MessageDigest.isEqual takes the same time whatever the contents; only the (public) length shows.
        if (given.length != expected.length || !MessageDigest.isEqual(expected, given)) {
            throw new Rejected(header + " does not match the body signed with the webhook secret");
        }
    }

    static byte[] hmacSha256(Secret secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.reveal().getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JVM has HmacSHA256", e);
        }
    }

    private static String first(Map<String, String> headers, String... names) {
        for (String name : names) {
            String value = headers.get(name);
            if (value != null && !value.isBlank()) {
                return value.strip();
            }
        }
        return null;
    }
}
