package dev.braintrust.journal;

import java.time.Instant;
import java.util.Objects;

/**
 * One fire of a schedule or trigger, as recorded: run, queued or skipped, and why.
 *
 * @param scheduleId the schedule ({@code <workflow>} or {@code <workflow>.<id>}) or trigger ({@code <workflow>~context})
 * @param fireAt     when it was due (the cron time; for manual and trigger fires, when it was asked for)
 * @param kind       why it ran: schedule, catch-up, manual, context-changed, webhook
 * @param outcome    started, queued or skipped
 * @param reason     why a fire was skipped: overlap, missed, paused, own-output, busy; null otherwise
 * @param detail     one line for people (how many fires a catch-up covers, what changed); may be null
 * @param runId      the run it started; null while queued and for skipped fires
 * @param claimedBy  the process that took the fire
 */
public record ScheduleFire(String scheduleId, Instant fireAt, String kind, String outcome, String reason, String detail,
                           String runId, String claimedBy, Instant recordedAt) {
    public static final String STARTED = "started";
    public static final String QUEUED = "queued";
    public static final String SKIPPED = "skipped";

    public ScheduleFire {
        Objects.requireNonNull(scheduleId);
        Objects.requireNonNull(fireAt);
        Objects.requireNonNull(kind);
        Objects.requireNonNull(outcome);
    }

    public boolean skipped() {
        return SKIPPED.equals(outcome);
    }
}
