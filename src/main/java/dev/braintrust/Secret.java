package dev.braintrust;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;

/**
 * A credential (API key, token, webhook secret). Its {@link #toString()} never shows the value,
 * so a secret that slips into a log line or a JSON response is masked.
 */
public final class Secret {
    private final String value;

    private Secret(String value) {
        this.value = value;
    }

    /** Returns a secret, or null when the value is null or blank (an unset secret). */
    public static Secret ofNullable(String value) {
        return value == null || value.isBlank() ? null : new Secret(value.strip());
    }

    public String reveal() {
        return value;
    }

    /** Constant-time comparison against a candidate that may be null. */
    public boolean matches(String candidate) {
        if (candidate == null) {
            return false;
        }
        return MessageDigest.isEqual(value.getBytes(StandardCharsets.UTF_8), candidate.getBytes(StandardCharsets.UTF_8));
    }

    /** A fresh HMAC-SHA256 keyed with this secret (its UTF-8 bytes): how webhooks and triggers sign bodies. */
    public Mac newHmacSha256() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(value.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JVM has HmacSHA256", e);
        }
    }

    @Override
    public String toString() {
        return "****";
    }
}
