-- Schedules and triggers (issue 17). Portable SQL: the same script runs on SQLite and PostgreSQL.
-- Times are epoch milliseconds.
--
-- schedule_state: one row per schedule (workflow stem + schedule id), shared by every replica.
--   signature  the cron expression and zone the row's history belongs to; a changed definition starts afresh
--   since_at   fires at or before this time are never due (when the schedule was first seen or changed)
--   paused     1 while paused (every replica honours it)
CREATE TABLE schedule_state (
    schedule_id VARCHAR(300) PRIMARY KEY,
    signature   VARCHAR(600) NOT NULL,
    since_at    BIGINT       NOT NULL,
    paused      INTEGER      NOT NULL,
    changed_at  BIGINT       NOT NULL,
    changed_by  VARCHAR(64)
);

-- schedule_fires: every fire of a schedule or trigger, run or skipped, and why. The primary key is the
-- claim: the replica whose INSERT takes the row runs the fire; every other replica's insert does nothing.
--   kind     schedule, catch-up, manual, context-changed, webhook
--   outcome  started, queued, skipped
--   reason   for skipped fires: overlap, missed, paused, own-output, busy
CREATE TABLE schedule_fires (
    schedule_id VARCHAR(300) NOT NULL,
    fire_at     BIGINT       NOT NULL,
    kind        VARCHAR(32)  NOT NULL,
    outcome     VARCHAR(16)  NOT NULL,
    reason      VARCHAR(32),
    detail      TEXT,
    run_id      VARCHAR(64),
    claimed_by  VARCHAR(512) NOT NULL,
    recorded_at BIGINT       NOT NULL,
    PRIMARY KEY (schedule_id, fire_at)
);

CREATE INDEX schedule_fires_by_run ON schedule_fires (run_id);
