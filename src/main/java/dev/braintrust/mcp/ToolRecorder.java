package dev.braintrust.mcp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.braintrust.BrainTrust;
import dev.braintrust.BrainTrustException;
import dev.braintrust.Json;
import dev.braintrust.journal.JournalEntry;
import dev.braintrust.journal.ToolCallRecord;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpSchema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Journals every tool call an MCP client makes and records it in the run history like a run, with
 * who made it: source {@code mcp:<client name>}. When the run database cannot take it (a client of a
 * home whose database the server has not migrated yet), the journal still gets the entry.
 */
final class ToolRecorder {
    /** The run database's {@code source} column holds this many characters. */
    static final int SOURCE_CHARS = 32;
    /** A client names itself; a long name is cut (the run database keeps an agent's name in 512 characters). */
    static final int CLIENT_NAME_CHARS = 200;
    private static final Logger log = LoggerFactory.getLogger(ToolRecorder.class);
    private static final ObjectMapper JSON = Json.mapper();

    private final BrainTrust bt;
    private final Runnable journalChanged;
    private final AtomicBoolean warned = new AtomicBoolean();

    ToolRecorder(BrainTrust bt, Runnable journalChanged) {
        this.bt = bt;
        this.journalChanged = journalChanged;
    }

    /** The client's name as it gave it when it connected; "unknown" when it gave none. */
    static String clientName(McpSyncServerExchange exchange) {
        McpSchema.Implementation info = exchange == null ? null : exchange.getClientInfo();
        String name = info == null || info.name() == null || info.name().isBlank() ? "unknown" : info.name().strip();
        name = name.replaceAll("\\s+", " ");
        return name.length() <= CLIENT_NAME_CHARS ? name : name.substring(0, CLIENT_NAME_CHARS);
    }

    /** {@code mcp:<client name>}, cut to what the run database holds. */
    static String source(McpSyncServerExchange exchange) {
        String source = "mcp:" + clientName(exchange);
        return source.length() <= SOURCE_CHARS ? source : source.substring(0, SOURCE_CHARS);
    }

    /** Records one finished call; never throws (a failure to record is logged, the caller still gets its answer). */
    void record(McpSyncServerExchange exchange, String tool, Map<String, Object> arguments, String revision,
                long durationMs, String output, String error) {
        String args = json(arguments);
        String outcome = error == null ? "ok" : "failed";
        ToolCallRecord call = new ToolCallRecord(tool, args, error == null ? output : error, durationMs, outcome);
        try {
            bt.runs().recordToolCall(source(exchange), clientName(exchange), revision, call, output, error);
        } catch (BrainTrustException e) {
            if (warned.compareAndSet(false, true)) {
                log.warn("MCP tool calls are journaled but not stored in the run history: {}", e.getMessage());
            }
            journalOnly(exchange, tool, revision, durationMs, output, error);
        } finally {
            journalChanged.run();
        }
    }

    private void journalOnly(McpSyncServerExchange exchange, String tool, String revision, long durationMs, String output,
                             String error) {
        try {
            bt.journal().append(new JournalEntry(bt.clock().instant(), "tool " + tool + " (" + source(exchange) + ")",
                    error == null ? "succeeded" : "failed", Duration.ofMillis(durationMs), revision,
                    List.of(clientName(exchange)), null, error != null ? error : output));
        } catch (RuntimeException e) {
            log.warn("cannot journal the MCP tool call {}: {}", tool, e.getMessage());
        }
    }

    static String json(Object value) {
        try {
            return JSON.writeValueAsString(value == null ? Map.of() : value);
        } catch (JsonProcessingException e) {
            return String.valueOf(value);
        }
    }
}
