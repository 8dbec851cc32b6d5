-- The egress ledger (issue 18): one row per model call, what it carried and where it went. Portable SQL: the same script runs on SQLite and PostgreSQL.
-- Tokens are null when the provider reported none; the est_* columns are what budgets count then
-- (characters / 4), never shown as usage.
ALTER TABLE steps ADD COLUMN context_share TEXT;

CREATE TABLE model_calls (
    run_id            VARCHAR(64)  NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    seq               INTEGER      NOT NULL,
    node_id           VARCHAR(256) NOT NULL,
    at                BIGINT       NOT NULL,
    provider          VARCHAR(32)  NOT NULL,
    model             VARCHAR(256) NOT NULL,
    host              VARCHAR(512),
    bytes_sent        BIGINT,
    input_tokens      INTEGER,
    output_tokens     INTEGER,
    est_input_tokens  INTEGER      NOT NULL,
    est_output_tokens INTEGER      NOT NULL,
    cost              DOUBLE PRECISION,
    est_cost          DOUBLE PRECISION,
    currency          VARCHAR(16),
    outcome           VARCHAR(32)  NOT NULL,
    upstream          TEXT,
    tool_results      TEXT,
    PRIMARY KEY (run_id, seq)
);

CREATE INDEX model_calls_by_time ON model_calls (at);

-- The context files each agent's system prompt carried: the same for every call of the step, so they
-- are written once, when the run starts, and every call of the step carried them.
CREATE TABLE step_context_files (
    run_id   VARCHAR(64)  NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    node_id  VARCHAR(256) NOT NULL,
    name     VARCHAR(512) NOT NULL,
    revision VARCHAR(128),
    sha256   VARCHAR(64)  NOT NULL,
    PRIMARY KEY (run_id, node_id, name)
);
