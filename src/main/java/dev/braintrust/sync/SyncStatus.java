package dev.braintrust.sync;

import java.time.Duration;
import java.time.Instant;

/**
 * How the mirror stands, for {@code status}, {@code GET /api/v1/status} and {@code /ready}. Never
 * holds a credential: the repository URL is the one without user information.
 *
 * @param repository          the repository URL (no credentials)
 * @param branch              the tracked branch
 * @param ready               true once a snapshot exists (it stays true when later syncs fail)
 * @param revision            the commit served now, or null before the first successful sync
 * @param lastSyncAt          when the last sync started, or null when none ran yet
 * @param lastOutcome         updated, unchanged or failed
 * @param lastRevision        the revision after the last sync
 * @param lastError           what went wrong in the last sync, or null when it succeeded
 * @param lastDurationMs      how long the last sync took
 * @param lastSuccessAt       when the last successful sync started
 * @param consecutiveFailures failed syncs since the last success (retries back off with them)
 * @param nextSyncAt          when the next periodic sync is due, or null when periodic sync is off
 * @param interval            the periodic sync interval; zero when it is off
 * @param webhookEnabled      true when WEBHOOK_SECRET is set
 * @param note                what cloud mode means for edits made on the server
 * @param branchDeleted       when a push deleted the tracked branch: that, and that the last good snapshot is kept; else null
 * @param lastKeptAside       the last local edits a sync moved aside before overwriting them, or null when none ever were
 * @param pin                 when the server is pinned to a commit: which, and how far behind the branch; else null
 */
public record SyncStatus(String repository, String branch, boolean ready, String revision,
                         Instant lastSyncAt, String lastOutcome, String lastRevision, String lastError, Long lastDurationMs,
                         Instant lastSuccessAt, int consecutiveFailures, Instant nextSyncAt, Duration interval,
                         boolean webhookEnabled, String note, String branchDeleted, KeptAside lastKeptAside,
                         GitMirror.PinState pin) {
}
