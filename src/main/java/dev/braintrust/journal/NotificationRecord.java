package dev.braintrust.journal;

import java.time.Instant;
import java.util.Objects;

/**
 * One notification and how its delivery went.
 *
 * @param channel    webhook or ntfy
 * @param event      finished, failed or waiting
 * @param target     where it goes, without credentials (scheme, host and port)
 * @param outcome    pending, delivered, failed (every attempt failed) or abandoned (the process stopped first)
 * @param lastStatus the HTTP status of the last attempt; null when no answer came
 * @param lastError  why the last attempt failed; null when it did not
 */
public record NotificationRecord(String id, String runId, String channel, String event, String target, String outcome,
                                 int attempts, Integer lastStatus, String lastError, Instant createdAt, Instant updatedAt) {
    public static final String PENDING = "pending";
    public static final String DELIVERED = "delivered";
    public static final String FAILED = "failed";
    public static final String ABANDONED = "abandoned";

    public NotificationRecord {
        Objects.requireNonNull(id);
        Objects.requireNonNull(runId);
        Objects.requireNonNull(outcome);
    }
}
