-- Run history (ARCHITECTURE.md §5). Portable SQL: the same script runs on SQLite and PostgreSQL.
-- Times are epoch milliseconds. The large texts of a run live in run_outputs, so the rows of runs
-- stay small and a listing reads few pages.
CREATE TABLE runs (
    id           VARCHAR(64)  PRIMARY KEY,
    workflow     VARCHAR(512) NOT NULL,
    status       VARCHAR(32)  NOT NULL,
    source       VARCHAR(32)  NOT NULL,
    revision     VARCHAR(128),
    agent_count  INTEGER      NOT NULL,
    started_at   BIGINT       NOT NULL,
    finished_at  BIGINT,
    duration_ms  BIGINT,
    owner        VARCHAR(512) NOT NULL,
    heartbeat_at BIGINT       NOT NULL,
    error        TEXT,
    output_excerpt TEXT
);

CREATE INDEX runs_by_start ON runs (started_at, id);
CREATE INDEX runs_by_status ON runs (status);

CREATE TABLE run_outputs (
    run_id       VARCHAR(64) PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
    final_output TEXT,
    definition   TEXT
);

CREATE TABLE steps (
    run_id        VARCHAR(64)  NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    node_id       VARCHAR(256) NOT NULL,
    position      INTEGER      NOT NULL,
    agent         VARCHAR(512) NOT NULL,
    model         VARCHAR(256) NOT NULL,
    status        VARCHAR(32)  NOT NULL,
    revision      VARCHAR(128),
    input_tokens  INTEGER,
    output_tokens INTEGER,
    total_tokens  INTEGER,
    attempts      INTEGER      NOT NULL,
    started_at    BIGINT,
    finished_at   BIGINT,
    duration_ms   BIGINT,
    error         TEXT,
    tool_calls    TEXT,
    task          TEXT,
    output        TEXT,
    system_prompt TEXT,
    PRIMARY KEY (run_id, node_id)
);
