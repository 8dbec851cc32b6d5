package dev.braintrust.journal;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The run database's record of schedules and triggers: each schedule's state (pause, the definition its
 * history belongs to) and every fire, run or skipped. A fire is claimed by inserting its row: the
 * primary key (schedule, due time) lets exactly one replica sharing the database take it, whatever the
 * timing; the others' inserts do nothing ({@code ON CONFLICT DO NOTHING}, on SQLite and PostgreSQL alike).
 */
public final class ScheduleLedger {
    /** Fires kept per schedule; older ones are deleted as new ones are recorded. */
    public static final int KEPT_FIRES = 500;
    private static final int PRUNE_EVERY = 20;
    private static final String COLUMNS = "schedule_id, fire_at, kind, outcome, reason, detail, run_id, claimed_by, recorded_at";

    private final RunStore store;

    ScheduleLedger(RunStore store) {
        this.store = store;
    }

    /**
     * The schedule's state, created when it is new. When its definition changed since its history began
     * ({@code signature} differs), its history starts again from {@code now}: fires of the old definition are
     * never caught up under the new one.
     */
    public ScheduleState state(String scheduleId, String signature, Instant now) {
        store.write(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO schedule_state (schedule_id, signature, since_at, paused, "
                    + "changed_at) VALUES (?, ?, ?, 0, ?) ON CONFLICT (schedule_id) DO NOTHING")) {
                ps.setString(1, scheduleId);
                ps.setString(2, signature);
                ps.setLong(3, now.toEpochMilli());
                ps.setLong(4, now.toEpochMilli());
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE schedule_state SET signature = ?, since_at = ? "
                    + "WHERE schedule_id = ? AND signature <> ?")) {
                ps.setString(1, signature);
                ps.setLong(2, now.toEpochMilli());
                ps.setString(3, scheduleId);
                ps.setString(4, signature);
                ps.executeUpdate();
            }
            return null;
        }, "record schedule " + scheduleId);
        return find(scheduleId).orElseThrow();
    }

    public Optional<ScheduleState> find(String scheduleId) {
        return store.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT schedule_id, signature, since_at, paused, changed_at, changed_by "
                    + "FROM schedule_state WHERE schedule_id = ?")) {
                ps.setString(1, scheduleId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.<ScheduleState>empty();
                    }
                    return Optional.of(new ScheduleState(rs.getString(1), rs.getString(2), Instant.ofEpochMilli(rs.getLong(3)),
                            rs.getInt(4) != 0, Instant.ofEpochMilli(rs.getLong(5)), rs.getString(6)));
                }
            }
        }, "read schedule " + scheduleId);
    }

    /** Who claims fires here: this process, as recorded in {@code claimed_by}. */
    public String owner() {
        return store.ownerId();
    }

    /**
     * Moves a trigger's state to a new context revision, if no process did it yet: of the replicas that see
     * the same change, exactly one gets true and fires. A trigger seen for the first time starts at {@code from}.
     */
    public boolean advance(String triggerId, String from, String to, Instant now) {
        return store.write(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO schedule_state (schedule_id, signature, since_at, paused, "
                    + "changed_at) VALUES (?, ?, ?, 0, ?) ON CONFLICT (schedule_id) DO NOTHING")) {
                ps.setString(1, triggerId);
                ps.setString(2, from);
                ps.setLong(3, now.toEpochMilli());
                ps.setLong(4, now.toEpochMilli());
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE schedule_state SET signature = ?, changed_at = ? "
                    + "WHERE schedule_id = ? AND signature <> ?")) {
                ps.setString(1, to);
                ps.setLong(2, now.toEpochMilli());
                ps.setString(3, triggerId);
                ps.setString(4, to);
                return ps.executeUpdate() == 1;
            }
        }, "record a change seen by " + triggerId);
    }

    /** Pauses or resumes a schedule (every replica sees it at its next fire). */
    public void setPaused(String scheduleId, boolean paused, String by, Instant now) {
        store.write(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE schedule_state SET paused = ?, changed_at = ?, changed_by = ? "
                    + "WHERE schedule_id = ?")) {
                ps.setInt(1, paused ? 1 : 0);
                ps.setLong(2, now.toEpochMilli());
                ps.setString(3, by);
                ps.setString(4, scheduleId);
                ps.executeUpdate();
            }
            return null;
        }, (paused ? "pause" : "resume") + " schedule " + scheduleId);
    }

    /**
     * The latest due time of the schedule's cron fires (run, queued or skipped; manual and trigger fires are
     * not cron fires), from which the next fire is computed.
     */
    public Optional<Instant> lastCronFire(String scheduleId) {
        return store.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT MAX(fire_at) FROM schedule_fires WHERE schedule_id = ? "
                    + "AND kind IN ('schedule', 'catch-up')")) {
                ps.setString(1, scheduleId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    long max = rs.getLong(1);
                    return rs.wasNull() ? Optional.<Instant>empty() : Optional.of(Instant.ofEpochMilli(max));
                }
            }
        }, "read the last fire of " + scheduleId);
    }

    /**
     * Claims a fire: records it unless a fire of the same schedule and due time is recorded already.
     *
     * @return true when this call recorded it (the caller runs or skips it), false when another process had
     */
    public boolean claim(ScheduleFire fire) {
        boolean claimed = store.write(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO schedule_fires (" + COLUMNS + ") "
                    + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (schedule_id, fire_at) DO NOTHING")) {
                ps.setString(1, fire.scheduleId());
                ps.setLong(2, fire.fireAt().toEpochMilli());
                ps.setString(3, fire.kind());
                ps.setString(4, fire.outcome());
                ps.setString(5, fire.reason());
                ps.setString(6, fire.detail());
                ps.setString(7, fire.runId());
                ps.setString(8, fire.claimedBy());
                ps.setLong(9, fire.recordedAt().toEpochMilli());
                return ps.executeUpdate() == 1;
            }
        }, "record a fire of " + fire.scheduleId());
        if (claimed && Math.floorMod(fire.fireAt().toEpochMilli() / 60_000, PRUNE_EVERY) == 0) {
            prune(fire.scheduleId()); // now and then: the history stays bounded without a delete per fire
        }
        return claimed;
    }

    /** Updates a recorded fire: a queued fire that started (with its run) or was skipped after all. */
    public void update(String scheduleId, Instant fireAt, String outcome, String reason, String runId, String detail) {
        store.write(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE schedule_fires SET outcome = ?, reason = ?, run_id = ?, "
                    + "detail = COALESCE(?, detail) WHERE schedule_id = ? AND fire_at = ?")) {
                ps.setString(1, outcome);
                ps.setString(2, reason);
                ps.setString(3, runId);
                ps.setString(4, detail);
                ps.setString(5, scheduleId);
                ps.setLong(6, fireAt.toEpochMilli());
                ps.executeUpdate();
            }
            return null;
        }, "update a fire of " + scheduleId);
    }

    /** The schedule's fires, newest first. */
    public List<ScheduleFire> recent(String scheduleId, int limit) {
        return store.read(c -> {
            List<ScheduleFire> fires = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM schedule_fires WHERE schedule_id = ? "
                    + "ORDER BY fire_at DESC LIMIT ?")) {
                ps.setString(1, scheduleId);
                ps.setInt(2, Math.max(0, Math.min(limit, KEPT_FIRES)));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        fires.add(fire(rs));
                    }
                }
            }
            return fires;
        }, "list the fires of " + scheduleId);
    }

    /** The runs started by this schedule that are still going on (running or waiting), by any replica. */
    public List<String> activeRuns(String scheduleId) {
        return store.read(c -> {
            List<String> ids = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT f.run_id FROM schedule_fires f JOIN runs r ON r.id = f.run_id "
                    + "WHERE f.schedule_id = ? AND r.status IN (?, ?)")) {
                ps.setString(1, scheduleId);
                ps.setString(2, RunStatus.RUNNING.label());
                ps.setString(3, RunStatus.WAITING.label());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getString(1));
                    }
                }
            }
            return ids;
        }, "find the running runs of " + scheduleId);
    }

    /** The fire that started this run, if a schedule or trigger started it. */
    public Optional<ScheduleFire> fireOfRun(String runId) {
        return store.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM schedule_fires WHERE run_id = ?")) {
                ps.setString(1, runId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(fire(rs)) : Optional.<ScheduleFire>empty();
                }
            }
        }, "find the fire of run " + runId);
    }

    private void prune(String scheduleId) {
        store.write(c -> {
            Long cutoff = null;
            try (PreparedStatement ps = c.prepareStatement("SELECT fire_at FROM schedule_fires WHERE schedule_id = ? "
                    + "ORDER BY fire_at DESC LIMIT 1 OFFSET ?")) {
                ps.setString(1, scheduleId);
                ps.setInt(2, KEPT_FIRES);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        cutoff = rs.getLong(1);
                    }
                }
            }
            if (cutoff != null) {
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM schedule_fires WHERE schedule_id = ? AND fire_at <= ?")) {
                    ps.setString(1, scheduleId);
                    ps.setLong(2, cutoff);
                    ps.executeUpdate();
                }
            }
            return null;
        }, "prune the fires of " + scheduleId);
    }

    private static ScheduleFire fire(ResultSet rs) throws SQLException {
        return new ScheduleFire(rs.getString("schedule_id"), Instant.ofEpochMilli(rs.getLong("fire_at")), rs.getString("kind"),
                rs.getString("outcome"), rs.getString("reason"), rs.getString("detail"), rs.getString("run_id"),
                rs.getString("claimed_by"), Instant.ofEpochMilli(rs.getLong("recorded_at")));
    }
}
