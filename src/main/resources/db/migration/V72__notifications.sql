-- Notification deliveries (issue 17): one row per notification and channel, updated at every attempt.
--   channel  webhook, ntfy
--   event    finished, failed, waiting
--   outcome  pending, delivered, failed (after the last retry), abandoned (the process stopped first)
CREATE TABLE notifications (
    id          VARCHAR(64)  PRIMARY KEY,
    run_id      VARCHAR(64)  NOT NULL,
    channel     VARCHAR(16)  NOT NULL,
    event       VARCHAR(16)  NOT NULL,
    target      VARCHAR(512) NOT NULL,
    outcome     VARCHAR(16)  NOT NULL,
    attempts    INTEGER      NOT NULL,
    last_status INTEGER,
    last_error  TEXT,
    created_at  BIGINT       NOT NULL,
    updated_at  BIGINT       NOT NULL
);

CREATE INDEX notifications_by_run ON notifications (run_id);
