package dev.braintrust.journal;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The notifications sent about runs, one row per notification and channel, updated at every attempt. */
public final class NotificationLedger {
    private static final String COLUMNS = "id, run_id, channel, event, target, outcome, attempts, last_status, last_error, "
            + "created_at, updated_at";

    private final RunStore store;

    NotificationLedger(RunStore store) {
        this.store = store;
    }

    public void save(NotificationRecord n) {
        store.write(c -> {
            int updated;
            try (PreparedStatement ps = c.prepareStatement("UPDATE notifications SET outcome = ?, attempts = ?, last_status = ?, "
                    + "last_error = ?, updated_at = ? WHERE id = ?")) {
                ps.setString(1, n.outcome());
                ps.setInt(2, n.attempts());
                RunStore.setInt(ps, 3, n.lastStatus());
                ps.setString(4, n.lastError());
                ps.setLong(5, n.updatedAt().toEpochMilli());
                ps.setString(6, n.id());
                updated = ps.executeUpdate();
            }
            if (updated == 0) {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO notifications (" + COLUMNS + ") "
                        + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                    ps.setString(1, n.id());
                    ps.setString(2, n.runId());
                    ps.setString(3, n.channel());
                    ps.setString(4, n.event());
                    ps.setString(5, n.target());
                    ps.setString(6, n.outcome());
                    ps.setInt(7, n.attempts());
                    RunStore.setInt(ps, 8, n.lastStatus());
                    ps.setString(9, n.lastError());
                    ps.setLong(10, n.createdAt().toEpochMilli());
                    ps.setLong(11, n.updatedAt().toEpochMilli());
                    ps.executeUpdate();
                }
            }
            return null;
        }, "record notification " + n.id());
    }

    /** The notifications of a run, oldest first. */
    public List<NotificationRecord> ofRun(String runId) {
        return query("SELECT " + COLUMNS + " FROM notifications WHERE run_id = ? ORDER BY created_at, id", runId, 1000);
    }

    /** The latest notifications, newest first. */
    public List<NotificationRecord> recent(int limit) {
        return query("SELECT " + COLUMNS + " FROM notifications ORDER BY created_at DESC, id DESC LIMIT ?", null,
                Math.max(0, Math.min(limit, 1000)));
    }

    private List<NotificationRecord> query(String sql, String runId, int limit) {
        return store.read(c -> {
            List<NotificationRecord> list = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                if (runId != null) {
                    ps.setString(1, runId);
                } else {
                    ps.setInt(1, limit);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        list.add(new NotificationRecord(rs.getString("id"), rs.getString("run_id"), rs.getString("channel"),
                                rs.getString("event"), rs.getString("target"), rs.getString("outcome"), rs.getInt("attempts"),
                                RunStore.getInt(rs, "last_status"), rs.getString("last_error"),
                                Instant.ofEpochMilli(rs.getLong("created_at")), Instant.ofEpochMilli(rs.getLong("updated_at"))));
                    }
                }
            }
            return list;
        }, "read notifications");
    }


}
