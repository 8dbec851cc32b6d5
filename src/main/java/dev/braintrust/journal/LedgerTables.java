package dev.braintrust.journal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.braintrust.Json;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The SQL of the egress ledger ({@code model_calls}, {@code step_context_files}, {@code steps.context_share}),
 * apart from the run tables' so {@link RunStore} stays about runs. Every method works on a connection
 * the store opened, inside its locking and transactions.
 */
final class LedgerTables {
    private static final ObjectMapper JSON = Json.mapper();
    private static final TypeReference<List<ModelCallRecord.UpstreamRef>> UPSTREAM = new TypeReference<>() {
    };
    private static final TypeReference<List<ModelCallRecord.ToolResultRef>> TOOL_RESULTS = new TypeReference<>() {
    };
    private static final String CALL_COLUMNS = "c.run_id, c.seq, c.node_id, c.at, c.provider, c.model, c.host, c.bytes_sent, "
            + "c.input_tokens, c.output_tokens, c.est_input_tokens, c.est_output_tokens, c.cost, c.est_cost, c.currency, "
            + "c.outcome, c.upstream, c.tool_results";

    /** A ledger entry with the run it belongs to, for sums over many runs. */
    record Row(String runId, String workflow, ModelCallRecord call) {
    }

    private LedgerTables() {
    }

    static void insert(Connection c, String runId, ModelCallRecord call) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO model_calls (run_id, seq, node_id, at, provider, model, "
                + "host, bytes_sent, input_tokens, output_tokens, est_input_tokens, est_output_tokens, cost, est_cost, currency, "
                + "outcome, upstream, tool_results) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, runId);
            ps.setInt(2, call.seq());
            ps.setString(3, call.nodeId());
            ps.setLong(4, call.at().toEpochMilli());
            ps.setString(5, call.provider());
            ps.setString(6, call.model());
            ps.setString(7, call.host());
            RunStore.setLong(ps, 8, call.bytesSent());
            RunStore.setInt(ps, 9, call.inputTokens());
            RunStore.setInt(ps, 10, call.outputTokens());
            ps.setInt(11, call.estimatedInputTokens());
            ps.setInt(12, call.estimatedOutputTokens());
            setDouble(ps, 13, call.cost());
            setDouble(ps, 14, call.estimatedCost());
            ps.setString(15, call.currency());
            ps.setString(16, call.outcome());
            ps.setString(17, json(call.upstream()));
            ps.setString(18, json(call.toolResults()));
            ps.executeUpdate();
        }
    }

    /** The context files each agent's system prompt carries, written once when the run is stored. */
    static void insertContextFiles(Connection c, String runId, Map<String, List<ModelCallRecord.FileRef>> byNode)
            throws SQLException {
        if (byNode.values().stream().allMatch(List::isEmpty)) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO step_context_files (run_id, node_id, name, revision, sha256) "
                + "VALUES (?, ?, ?, ?, ?)")) {
            for (Map.Entry<String, List<ModelCallRecord.FileRef>> node : byNode.entrySet()) {
                for (ModelCallRecord.FileRef f : node.getValue()) {
                    ps.setString(1, runId);
                    ps.setString(2, node.getKey());
                    ps.setString(3, f.name());
                    ps.setString(4, f.revision());
                    ps.setString(5, f.sha256());
                    ps.addBatch();
                }
            }
            ps.executeBatch();
        }
    }

    /** The ledger of one run, by node id, each node's calls in order. */
    static Map<String, List<ModelCallRecord>> ofRun(Connection c, String runId) throws SQLException {
        Map<String, List<ModelCallRecord.FileRef>> files = contextFiles(c, runId);
        Map<String, List<ModelCallRecord>> byNode = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT " + CALL_COLUMNS + " FROM model_calls c "
                + "WHERE c.run_id = ? ORDER BY c.seq")) {
            ps.setString(1, runId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ModelCallRecord call = call(rs, files.getOrDefault(rs.getString("node_id"), List.of()));
                    byNode.computeIfAbsent(call.nodeId(), k -> new ArrayList<>()).add(call);
                }
            }
        }
        return byNode;
    }

    /** The context files each agent's system prompt carries in one run, by node id, in load order. */
    static Map<String, List<ModelCallRecord.FileRef>> contextFiles(Connection c, String runId) throws SQLException {
        Map<String, List<ModelCallRecord.FileRef>> files = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT node_id, name, revision, sha256 FROM step_context_files "
                + "WHERE run_id = ?")) {
            ps.setString(1, runId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    files.computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
                            .add(new ModelCallRecord.FileRef(rs.getString(2), rs.getString(3), rs.getString(4)));
                }
            }
        }
        files.values().forEach(list -> list.sort(java.util.Comparator.comparing(ModelCallRecord.FileRef::name, LedgerTables::loadOrder)));
        return files;
    }

    /** Every call since {@code since}, oldest first, with its run's workflow (without the files: see {@link #filesSince}). */
    static List<Row> since(Connection c, Instant since) throws SQLException {
        List<Row> rows = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT " + CALL_COLUMNS + ", r.workflow FROM model_calls c "
                + "JOIN runs r ON r.id = c.run_id WHERE c.at >= ? ORDER BY c.at, c.run_id, c.seq")) {
            ps.setLong(1, since.toEpochMilli());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(new Row(rs.getString("run_id"), rs.getString("workflow"), call(rs, List.of())));
                }
            }
        }
        return rows;
    }

    /** How many calls carried each context file to each provider since {@code since}. */
    static List<UsageReport.FileEgress> filesSince(Connection c, Instant since) throws SQLException {
        List<UsageReport.FileEgress> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT f.name, c.provider, COUNT(*), MAX(c.at) FROM model_calls c "
                + "JOIN step_context_files f ON f.run_id = c.run_id AND f.node_id = c.node_id WHERE c.at >= ? AND c.outcome <> ? "
                + "GROUP BY f.name, c.provider ORDER BY f.name, c.provider")) {
            ps.setLong(1, since.toEpochMilli());
            ps.setString(2, ModelCallRecord.NOT_SENT);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new UsageReport.FileEgress(rs.getString(1), rs.getString(2), rs.getInt(3),
                            Instant.ofEpochMilli(rs.getLong(4))));
                }
            }
        }
        out.sort(java.util.Comparator.comparing(UsageReport.FileEgress::file, LedgerTables::loadOrder)
                .thenComparing(UsageReport.FileEgress::provider));
        return out;
    }

    /** What budgets count since {@code since}: tokens and cost, reported or else estimated. */
    static Spend spentSince(Connection c, Instant since) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*), "
                + "SUM(COALESCE(input_tokens, est_input_tokens) + COALESCE(output_tokens, est_output_tokens)), "
                + "SUM(COALESCE(cost, est_cost)) FROM model_calls WHERE at >= ? AND outcome <> ?")) {
            ps.setLong(1, since.toEpochMilli());
            ps.setString(2, ModelCallRecord.NOT_SENT);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                long tokens = rs.getLong(2);
                double cost = rs.getDouble(3);
                return new Spend(rs.getInt(1), tokens, rs.wasNull() ? 0 : cost);
            }
        }
    }

    static void setContextShare(PreparedStatement ps, int index, ContextShare share) throws SQLException {
        ps.setString(index, share == null ? null : json(share));
    }

    static ContextShare contextShare(ResultSet rs) throws SQLException {
        String text = rs.getString("context_share");
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return JSON.readValue(text, ContextShare.class);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    private static ModelCallRecord call(ResultSet rs, List<ModelCallRecord.FileRef> files) throws SQLException {
        return new ModelCallRecord(rs.getInt("seq"), rs.getString("node_id"), Instant.ofEpochMilli(rs.getLong("at")),
                rs.getString("provider"), rs.getString("model"), rs.getString("host"), RunStore.getLong(rs, "bytes_sent"), files,
                read(rs.getString("upstream"), UPSTREAM), read(rs.getString("tool_results"), TOOL_RESULTS),
                RunStore.getInt(rs, "input_tokens"), RunStore.getInt(rs, "output_tokens"), getDouble(rs, "cost"), rs.getString("currency"),
                rs.getString("outcome"), rs.getInt("est_input_tokens"), rs.getInt("est_output_tokens"), getDouble(rs, "est_cost"));
    }

    /** MISSION, GOALS, BELIEFS, IDENTITY first, then by name: the order files are loaded and sent in. */
    private static int loadOrder(String a, String b) {
        List<String> telos = List.of("MISSION.md", "GOALS.md", "BELIEFS.md", "IDENTITY.md");
        int ia = telos.indexOf(a) < 0 ? telos.size() : telos.indexOf(a);
        int ib = telos.indexOf(b) < 0 ? telos.size() : telos.indexOf(b);
        return ia != ib ? Integer.compare(ia, ib) : a.compareTo(b);
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("ledger values are plain records", e);
        }
    }

    private static <T> List<T> read(String text, TypeReference<List<T>> type) {
        if (text == null || text.isBlank()) {
            return List.of();
        }
        try {
            return JSON.readValue(text, type);
        } catch (JsonProcessingException e) {
            return List.of();
        }
    }



    private static void setDouble(PreparedStatement ps, int index, Double value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.DOUBLE);
        } else {
            ps.setDouble(index, value);
        }
    }



    private static Double getDouble(ResultSet rs, String column) throws SQLException {
        double value = rs.getDouble(column);
        return rs.wasNull() ? null : value;
    }
}
