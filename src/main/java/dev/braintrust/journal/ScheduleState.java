package dev.braintrust.journal;

import java.time.Instant;

/**
 * What the run database keeps of one schedule, shared by every replica.
 *
 * @param signature the definition (cron and zone) its history belongs to
 * @param since     fires at or before this instant are never due: when the schedule was first seen or last changed
 * @param paused    true while paused
 */
public record ScheduleState(String scheduleId, String signature, Instant since, boolean paused, Instant changedAt,
                            String changedBy) {
}
