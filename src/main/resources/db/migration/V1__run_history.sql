-- Run history (ARCHITECTURE.md §5). Portable SQL: the same script runs on SQLite and PostgreSQL.
-- Times are epoch milliseconds.
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
    final_output TEXT,
    error        TEXT,
    definition   TEXT,
    owner        VARCHAR(512) NOT NULL,
    heartbeat_at BIGINT       NOT NULL
);

CREATE INDEX runs_by_start ON runs (started_at, id);
CREATE INDEX runs_by_status ON runs (status);

CREATE TABLE steps (
    run_id        VARCHAR(64)  NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    node_id       VARCHAR(256) NOT NULL,
    position      INTEGER      NOT NULL,
    agent         VARCHAR(512) NOT NULL,
    model         VARCHAR(256) NOT NULL,
    status        VARCHAR(32)  NOT NULL,
    revision      VARCHAR(128),
    system_prompt TEXT,
    task          TEXT,
    output        TEXT,
    tool_calls    TEXT,
    input_tokens  INTEGER,
    output_tokens INTEGER,
    total_tokens  INTEGER,
    attempts      INTEGER      NOT NULL,
    started_at    BIGINT,
    finished_at   BIGINT,
    duration_ms   BIGINT,
    error         TEXT,
    PRIMARY KEY (run_id, node_id)
);
