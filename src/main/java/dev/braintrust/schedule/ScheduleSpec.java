package dev.braintrust.schedule;

import java.util.Objects;

/**
 * One schedule of a saved workflow, as its file declares it: {@code "schedule": {"cron", "timezone", "missed",
 * "overlap", "input"}}.
 *
 * @param id       {@code <workflow>} for a workflow's only schedule, {@code <workflow>.<id or number>} for several
 * @param workflow the saved workflow's name (file stem)
 * @param missed   run-once: a fire missed while no server ran is run once at the next start; skip: it is recorded as skipped
 * @param overlap  skip: a fire while the previous run still goes on is skipped; queue: it runs when that run ends
 * @param input    given to the workflow's first agents; may be null
 */
record ScheduleSpec(String id, String workflow, CronSchedule cron, String missed, String overlap, String input) {
    static final String RUN_ONCE = "run-once";
    static final String SKIP = "skip";
    static final String QUEUE = "queue";

    ScheduleSpec {
        Objects.requireNonNull(id);
        Objects.requireNonNull(workflow);
        Objects.requireNonNull(cron);
    }

    /** What the schedule's history belongs to: a changed cron or zone starts a new history (no catch-up of the old). */
    String signature() {
        return cron.expression() + " @ " + cron.zone().getId();
    }
}
