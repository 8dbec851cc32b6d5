-- Approvals (issue 17): a human approves or rejects a step before it runs, after it ran, or before a
-- skill call. A run waiting for one has status 'waiting' and survives restarts: everything needed to
-- continue is here (the agent's conversation so far, for a skill call).
--   kind        before, after, tool
--   subject     what is to be approved: the agent's task, its output, or the skill and its arguments
--   checkpoint  for kind 'tool': the agent's conversation up to the call, as JSON
--   decision    null while pending; approved or rejected
--   decided_by  api, cli, dashboard, timeout
CREATE TABLE approvals (
    run_id       VARCHAR(64)  NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    node_id      VARCHAR(256) NOT NULL,
    seq          INTEGER      NOT NULL,
    kind         VARCHAR(16)  NOT NULL,
    subject      TEXT,
    checkpoint   TEXT,
    requested_at BIGINT       NOT NULL,
    expires_at   BIGINT       NOT NULL,
    decision     VARCHAR(16),
    note         TEXT,
    decided_by   VARCHAR(64),
    decided_at   BIGINT,
    PRIMARY KEY (run_id, node_id, seq)
);

CREATE INDEX approvals_pending ON approvals (decision, run_id);
