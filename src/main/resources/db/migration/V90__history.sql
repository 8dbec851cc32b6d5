-- Replays (issue 15): a run that runs an earlier run's workflow again, on the context of the revision that run
-- recorded ('recorded') or on today's ('current'). Portable SQL: the same script runs on SQLite and PostgreSQL.
-- Times are epoch milliseconds.
CREATE TABLE run_replays (
    run_id     VARCHAR(64)  PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
    replay_of  VARCHAR(64)  NOT NULL,
    basis      VARCHAR(16)  NOT NULL,
    created_at BIGINT       NOT NULL
);

CREATE INDEX run_replays_by_original ON run_replays (replay_of);
CREATE INDEX runs_by_revision ON runs (revision);
