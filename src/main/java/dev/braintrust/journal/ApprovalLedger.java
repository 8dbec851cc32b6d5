package dev.braintrust.journal;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The approvals of runs in the run database. A decision is recorded once: of two people (or a person and
 * the timeout) deciding at the same moment, on any replica, the first one counts.
 */
public final class ApprovalLedger {
    private static final String COLUMNS = "run_id, node_id, seq, kind, subject, checkpoint, requested_at, expires_at, "
            + "decision, note, decided_by, decided_at";

    private final RunStore store;

    ApprovalLedger(RunStore store) {
        this.store = store;
    }

    public void insert(ApprovalRecord a) {
        store.write(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO approvals (" + COLUMNS + ") "
                    + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, a.runId());
                ps.setString(2, a.nodeId());
                ps.setInt(3, a.seq());
                ps.setString(4, a.kind());
                ps.setString(5, a.subject());
                ps.setString(6, a.checkpoint());
                ps.setLong(7, a.requestedAt().toEpochMilli());
                ps.setLong(8, a.expiresAt().toEpochMilli());
                ps.setString(9, a.decision());
                ps.setString(10, a.note());
                ps.setString(11, a.decidedBy());
                RunStore.setLong(ps, 12, RunStore.millis(a.decidedAt()));
                ps.executeUpdate();
            }
            return null;
        }, "record an approval of run " + a.runId());
    }

    /**
     * Records a decision on a pending approval.
     *
     * @return false when it was decided already (by someone else, or by the timeout)
     */
    public boolean decide(String runId, String nodeId, int seq, String decision, String note, String by, Instant at) {
        return store.write(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE approvals SET decision = ?, note = ?, decided_by = ?, decided_at = ? "
                    + "WHERE run_id = ? AND node_id = ? AND seq = ? AND decision IS NULL")) {
                ps.setString(1, decision);
                ps.setString(2, note);
                ps.setString(3, by);
                ps.setLong(4, at.toEpochMilli());
                ps.setString(5, runId);
                ps.setString(6, nodeId);
                ps.setInt(7, seq);
                return ps.executeUpdate() == 1;
            }
        }, "record a decision on run " + runId);
    }

    /** Every approval of a run, in the order they were asked. */
    public List<ApprovalRecord> ofRun(String runId) {
        return query("SELECT " + COLUMNS + " FROM approvals WHERE run_id = ? ORDER BY requested_at, node_id, seq", runId);
    }

    /** Every pending approval, oldest first. */
    public List<ApprovalRecord> pending() {
        return query("SELECT " + COLUMNS + " FROM approvals WHERE decision IS NULL ORDER BY requested_at, run_id, node_id, seq", null);
    }

    private List<ApprovalRecord> query(String sql, String runId) {
        return store.read(c -> {
            List<ApprovalRecord> list = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                if (runId != null) {
                    ps.setString(1, runId);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        list.add(approval(rs));
                    }
                }
            }
            return list;
        }, "read approvals");
    }

    private static ApprovalRecord approval(ResultSet rs) throws SQLException {
        return new ApprovalRecord(rs.getString("run_id"), rs.getString("node_id"), rs.getInt("seq"), rs.getString("kind"),
                rs.getString("subject"), rs.getString("checkpoint"), Instant.ofEpochMilli(rs.getLong("requested_at")),
                Instant.ofEpochMilli(rs.getLong("expires_at")), rs.getString("decision"), rs.getString("note"),
                rs.getString("decided_by"), RunStore.instant(RunStore.getLong(rs, "decided_at")));
    }
}
