package dev.braintrust.sync;

import dev.braintrust.Secret;

import javax.crypto.Mac;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;

/**
 * Checks who sent a webhook delivery (ARCHITECTURE.md §3), in constant time:
 * GitHub's {@code X-Hub-Signature-256: sha256=<hex HMAC-SHA256>}, Gitea's and Forgejo's
 * {@code X-Gitea-Signature} / {@code X-Forgejo-Signature: <hex HMAC-SHA256>}, GitLab's
 * {@code X-Gitlab-Token: <secret>}. SHA-1 signatures are refused.
 *
 * <p>In two steps, so that the body never has to be held to be checked: {@link #claim} reads the
 * headers (a missing or malformed signature, or a wrong GitLab token, is refused before a byte of
 * the body is read), then the body is streamed through {@link Claim#mac()} and {@link Claim#check}
 * compares the result.
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

    /**
     * What the headers claim: who sent the delivery and, for HMAC providers, the signature the body
     * must have. {@code expected} is null when the headers alone proved the sender (GitLab's token).
     *
     * @param header the signature header that was received, named in refusals
     */
    record Claim(Verified delivery, String header, byte[] expected, Secret secret) {
        /** A MAC to stream the body through, or null when the body needs no check. */
        Mac mac() {
            return expected == null ? null : secret.newHmacSha256();
        }

        /** @param digest the MAC of the whole body, or null when {@link #mac()} was null */
        Verified check(byte[] digest) throws Rejected {
            // MessageDigest.isEqual takes the same time whatever the contents; only the (public) length shows.
            if (expected != null && (digest == null || !MessageDigest.isEqual(expected, digest))) {
                throw new Rejected(header + " does not match the body signed with the webhook secret");
            }
            return delivery;
        }
    }

    private WebhookSignature() {
    }

    /**
     * @param headers the request headers, looked up case-insensitively
     * @throws Rejected when no signature is present, it is malformed, or GitLab's token is wrong
     */
    static Claim claim(Secret secret, Map<String, String> headers) throws Rejected {
        String giteaHeader = firstName(headers, "X-Gitea-Signature", "X-Forgejo-Signature");
        String github = headers.get("X-Hub-Signature-256");
        String gitlab = headers.get("X-Gitlab-Token");
        if (giteaHeader != null) {
            return new Claim(new Verified(Provider.GITEA, first(headers, "X-Gitea-Event", "X-Forgejo-Event", "X-GitHub-Event"),
                    first(headers, "X-Gitea-Delivery", "X-Forgejo-Delivery", "X-GitHub-Delivery")),
                    giteaHeader, hex(headers.get(giteaHeader).strip(), giteaHeader), secret);
        }
        if (github != null) {
            String value = github.strip();
            if (!value.regionMatches(true, 0, "sha256=", 0, 7)) {
                throw new Rejected("X-Hub-Signature-256 must be 'sha256=' followed by the hex HMAC-SHA256 of the body"
                        + (value.regionMatches(true, 0, "sha1=", 0, 5) ? "; SHA-1 signatures are not accepted" : ""));
            }
            return new Claim(new Verified(Provider.GITHUB, headers.get("X-GitHub-Event"), headers.get("X-GitHub-Delivery")),
                    "X-Hub-Signature-256", hex(value.substring(7), "X-Hub-Signature-256"), secret);
        }
        if (gitlab != null) {
            if (!secret.matches(gitlab)) {
                throw new Rejected("X-Gitlab-Token does not match the webhook secret");
            }
            return new Claim(new Verified(Provider.GITLAB, headers.get("X-Gitlab-Event"),
                    first(headers, "X-Gitlab-Event-UUID", "X-Gitlab-Webhook-UUID", "Idempotency-Key")), "X-Gitlab-Token", null, secret);
        }
        if (headers.get("X-Hub-Signature") != null) {
            throw new Rejected("only SHA-256 signatures are accepted: configure the webhook so it sends X-Hub-Signature-256");
        }
        throw new Rejected("no signature: send X-Hub-Signature-256 (GitHub), X-Gitea-Signature (Gitea, Forgejo) "
                + "or X-Gitlab-Token (GitLab), made with the webhook secret");
    }

    /** Both steps at once, for a body already in memory. */
    static Verified verify(Secret secret, Map<String, String> headers, byte[] body) throws Rejected {
        Claim claim = claim(secret, headers);
        Mac mac = claim.mac();
        return claim.check(mac == null ? null : mac.doFinal(body));
    }

    private static byte[] hex(String hex, String header) throws Rejected {
        byte[] given;
        try {
            given = HexFormat.of().parseHex(hex.toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new Rejected(header + " is not a hex HMAC-SHA256");
        }
        if (given.length != 32) {
            throw new Rejected(header + " does not match the body signed with the webhook secret");
        }
        return given;
    }

    static byte[] hmacSha256(Secret secret, byte[] body) {
        return secret.newHmacSha256().doFinal(body);
    }

    /** The first of these headers that is present and not blank, as its name was given here. */
    private static String firstName(Map<String, String> headers, String... names) {
        for (String name : names) {
            String value = headers.get(name);
            if (value != null && !value.isBlank()) {
                return name;
            }
        }
        return null;
    }

    private static String first(Map<String, String> headers, String... names) {
        String name = firstName(headers, names);
        return name == null ? null : headers.get(name).strip();
    }
}
