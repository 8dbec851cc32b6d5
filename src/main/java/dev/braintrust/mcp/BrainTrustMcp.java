package dev.braintrust.mcp;

import dev.braintrust.BrainTrust;
import dev.braintrust.server.Routes;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.StdioServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CountDownLatch;

/**
 * Brain Trust as an MCP server (Model Context Protocol), with the official Java SDK. Two transports
 * offer the same content: Streamable HTTP at {@code /mcp} on the running server ({@link #httpRoutes()})
 * and stdio for desktop clients that start a command ({@link #serveStdio}, {@code brain-trust mcp}).
 *
 * <ul>
 *   <li>Resources: {@code brain-trust://context/<file>} per context file, {@code brain-trust://telos}
 *       (the composed TELOS block), {@code brain-trust://journal/<YYYY-MM-DD>} per journal day,
 *       {@code brain-trust://workflows/<name>} per saved workflow; each read says the context revision.
 *       An edit or a sync sends {@code resources/list_changed} and, to subscribers,
 *       {@code resources/updated}.</li>
 *   <li>Prompts: {@code with-my-context} and {@code workflow-<name>} per saved workflow.</li>
 *   <li>Tools: every skill, {@code run_workflow}, {@code get_context}, {@code read_journal},
 *       {@code get_workflow}; every call is journaled and recorded like a run, source
 *       {@code mcp:<client name>}.</li>
 * </ul>
 */
public final class BrainTrustMcp implements AutoCloseable {
    static final String INSTRUCTIONS = "Brain Trust holds the user's own context: mission, beliefs, goals, identity "
            + "and other notes (resource brain-trust://telos, or the get_context tool), their skills (tools), saved "
            + "workflows of agents (run_workflow) and a journal of what ran (read_journal). Read the context before "
            + "answering anything personal, and follow its beliefs and constraints.";
    /** The SDK's JSON mapper, made when MCP is first used (a server that nobody asks for MCP loads none of the SDK). */
    private static final class Json {
        static final McpJsonMapper MAPPER = McpJsonDefaults.getMapper();
    }

    private final CatalogSync catalog;
    private final McpHttpRoutes http;

    private BrainTrustMcp(BrainTrust bt) {
        CatalogSync[] self = new CatalogSync[1];
        ToolRecorder recorder = new ToolRecorder(bt, () -> self[0].changed());
        this.catalog = self[0] = new CatalogSync(bt, new ResourceCatalog(bt), new PromptCatalog(bt), new ToolCatalog(bt, recorder));
        this.http = new McpHttpRoutes(servlet -> catalog.attach(McpServer.sync(servlet)
                .serverInfo(serverInfo())
                .instructions(INSTRUCTIONS)
                .capabilities(capabilities())
                .immediateExecution(true))); // a request's servlet thread waits for its answer anyway
    }

    /** The MCP face of these services; close it before them. */
    public static BrainTrustMcp over(BrainTrust bt) {
        return new BrainTrustMcp(bt);
    }

    /** The {@code /mcp} routes for the HTTP server; the server closes them (and their sessions) when it stops. */
    public Routes httpRoutes() {
        return http;
    }

    /**
     * Serves one client over stdio (newline-delimited JSON-RPC) until {@code in} ends, which is how a
     * desktop client says it is done. Nothing but protocol messages is written to {@code out}.
     */
    public void serveStdio(InputStream in, OutputStream out) throws InterruptedException {
        CountDownLatch ended = new CountDownLatch(1);
        InputStream watched = new FilterInputStream(in) {
            @Override
            public int read() throws IOException {
                try {
                    return ended(super.read());
                } catch (IOException e) {
                    ended.countDown();
                    throw e;
                }
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                try {
                    return ended(super.read(b, off, len));
                } catch (IOException e) {
                    ended.countDown();
                    throw e;
                }
            }

            private int ended(int n) {
                if (n < 0) {
                    ended.countDown();
                }
                return n;
            }
        };
        McpSyncServer server = catalog.attach(McpServer.sync(new StdioServerTransportProvider(jsonMapper(), watched, out))
                .serverInfo(serverInfo())
                .instructions(INSTRUCTIONS)
                .capabilities(capabilities())
                .immediateExecution(false)); // handlers off the reading thread: a long tool call must not stop it
        try {
            ended.await();
        } finally {
            catalog.detach(server);
            server.closeGracefully();
        }
    }

    static McpJsonMapper jsonMapper() {
        return Json.MAPPER;
    }

    private static McpSchema.Implementation serverInfo() {
        String version = BrainTrustMcp.class.getPackage().getImplementationVersion();
        return new McpSchema.Implementation("brain-trust", "Brain Trust", version == null ? "dev" : version);
    }

    private static McpSchema.ServerCapabilities capabilities() {
        return McpSchema.ServerCapabilities.builder()
                .resources(true, true)
                .prompts(true)
                .tools(true)
                .build();
    }

    @Override
    public void close() {
        http.close();
        catalog.close();
    }
}
