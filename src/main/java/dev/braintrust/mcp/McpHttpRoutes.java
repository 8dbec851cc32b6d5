package dev.braintrust.mcp;

import dev.braintrust.server.Routes;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;

import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * MCP's Streamable HTTP transport at {@code /mcp}: the SDK's servlet
 * ({@link HttpServletStreamableServerTransportProvider}) behind three Javalin routes, so the server's
 * gatekeeper (API key as {@code Authorization: Bearer} or {@code X-API-Key}, Host and Origin checks,
 * loopback only without a key), metrics and error mapping apply to it like to every route.
 *
 * <p>The SDK answers a request by starting async processing and writing Server-Sent Events from its
 * own threads; the listening stream (GET) stays open until the session ends. The route hands Javalin
 * a future that completes when that async processing completes, so Javalin neither ends the stream
 * early nor holds a thread while it is open. The SDK server is built at the first request: a server
 * nobody asks for MCP loads none of it. The SDK closes sessions that have been idle, with no open
 * stream, for its sweep interval (30 min).
 */
final class McpHttpRoutes implements Routes, AutoCloseable {
    static final String PATH = "/mcp";
    /** The largest JSON-RPC message accepted, like the rest of the API. */
    static final int MAX_MESSAGE_BYTES = dev.braintrust.Config.DEFAULT_MCP_MESSAGE_BYTES;

    private final Function<HttpServletStreamableServerTransportProvider, McpSyncServer> build;
    private HttpServletStreamableServerTransportProvider servlet;
    private McpSyncServer server;
    private boolean closed;

    /** @param build attaches a server to the transport (see {@link CatalogSync#attach}) */
    McpHttpRoutes(Function<HttpServletStreamableServerTransportProvider, McpSyncServer> build) {
        this.build = build;
    }

    @Override
    public void addTo(RoutesConfig routes) {
        routes.post(PATH, this::serve);
        routes.get(PATH, this::serve);
        routes.delete(PATH, this::serve);
    }

    private void serve(Context ctx) throws Exception {
        HttpServletStreamableServerTransportProvider transport = transport();
        if (transport == null) {
            ctx.status(503).result("the server is stopping");
            return;
        }
        transport.service(ctx.req(), ctx.res());
        if (ctx.req().isAsyncStarted()) {
            CompletableFuture<Void> ended = new CompletableFuture<>();
            AsyncContext async = ctx.req().getAsyncContext();
            async.addListener(new AsyncListener() {
                @Override
                public void onComplete(AsyncEvent event) {
                    ended.complete(null);
                }

                @Override
                public void onTimeout(AsyncEvent event) {
                    ended.complete(null);
                }

                @Override
                public void onError(AsyncEvent event) {
                    ended.complete(null);
                }

                @Override
                public void onStartAsync(AsyncEvent event) {
                    event.getAsyncContext().addListener(this);
                }
            });
            ctx.future(() -> ended);
        }
    }

    private synchronized HttpServletStreamableServerTransportProvider transport() {
        if (closed) {
            return null;
        }
        if (servlet == null) {
            servlet = HttpServletStreamableServerTransportProvider.builder()
                    .jsonMapper(BrainTrustMcp.jsonMapper())
                    .mcpEndpoint(PATH)
                    .maxRequestSize(MAX_MESSAGE_BYTES)
                    .build();
            server = build.apply(servlet);
        }
        return servlet;
    }

    /** Ends every session and its streams (a server that stops does not wait for them). */
    @Override
    public synchronized void close() {
        closed = true;
        if (server != null) {
            server.closeGracefully();
            server = null;
        }
    }
}
