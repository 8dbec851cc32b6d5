package dev.braintrust.journal;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Which runs replay which: one row per replay, naming the run it replays and on which context (issue 15). */
public final class ReplayLedger {
    /** The replay ran on the context of the revision the original run recorded. */
    public static final String RECORDED = "recorded";
    /** The replay ran on the context as it was when the replay started. */
    public static final String CURRENT = "current";

    private final RunStore store;

    ReplayLedger(RunStore store) {
        this.store = store;
    }

    /**
     * One replay.
     *
     * @param runId    the replay
     * @param replayOf the run it replays
     * @param basis    {@link #RECORDED} or {@link #CURRENT}
     */
    public record Replay(String runId, String replayOf, String basis, Instant createdAt) {
    }

    public void record(Replay replay) {
        store.write(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO run_replays (run_id, replay_of, basis, created_at) "
                    + "VALUES (?, ?, ?, ?)")) {
                ps.setString(1, replay.runId());
                ps.setString(2, replay.replayOf());
                ps.setString(3, replay.basis());
                ps.setLong(4, replay.createdAt().toEpochMilli());
                ps.executeUpdate();
            }
            return null;
        }, "record the replay " + replay.runId());
    }

    /** What run {@code runId} replays, if it is a replay. */
    public Optional<Replay> of(String runId) {
        List<Replay> found = query("SELECT run_id, replay_of, basis, created_at FROM run_replays WHERE run_id = ?", runId);
        return found.stream().findFirst();
    }

    /** The replays of run {@code runId}, oldest first. */
    public List<Replay> replaysOf(String runId) {
        return query("SELECT run_id, replay_of, basis, created_at FROM run_replays WHERE replay_of = ? "
                + "ORDER BY created_at, run_id LIMIT 1000", runId);
    }

    private List<Replay> query(String sql, String runId) {
        return store.read(c -> {
            List<Replay> list = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, runId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        list.add(new Replay(rs.getString(1), rs.getString(2), rs.getString(3), Instant.ofEpochMilli(rs.getLong(4))));
                    }
                }
            }
            return list;
        }, "read the replays of run " + runId);
    }
}
