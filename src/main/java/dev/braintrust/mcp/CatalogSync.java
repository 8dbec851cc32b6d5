package dev.braintrust.mcp;

import dev.braintrust.BrainTrust;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.Prompt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Keeps what the MCP servers offer equal to the home: after an edit or a sync (the context's
 * invalidation), after a tool call (the journal grew), and every {@link #TICK} (a run started
 * elsewhere wrote the journal), it lists the resources, prompts and tools again, registers the new
 * ones and drops the gone ones (the SDK then sends {@code list_changed}), and sends
 * {@code resources/updated} to the sessions subscribed to a resource whose content changed.
 */
final class CatalogSync implements AutoCloseable {
    static final Duration DEBOUNCE = Duration.ofMillis(50);
    static final Duration TICK = Duration.ofSeconds(30);
    private static final Logger log = LoggerFactory.getLogger(CatalogSync.class);

    /** What the servers offer: resources with their content versions, prompts, tools. */
    private record State(Map<String, ResourceCatalog.Entry> resources, Map<String, Prompt> prompts,
                         Map<String, SyncToolSpecification> tools) {
    }

    private final ResourceCatalog resources;
    private final PromptCatalog prompts;
    private final ToolCatalog tools;
    private final List<McpSyncServer> servers = new CopyOnWriteArrayList<>();
    private final AtomicBoolean pending = new AtomicBoolean();
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "mcp-catalog");
        t.setDaemon(true);
        return t;
    });
    private State applied;
    private boolean ticking;

    CatalogSync(BrainTrust bt, ResourceCatalog resources, PromptCatalog prompts, ToolCatalog tools) {
        this.resources = resources;
        this.prompts = prompts;
        this.tools = tools;
        bt.context().onInvalidate(this::changed);
    }

    /** Builds a server with everything offered now, and keeps it up to date from then on. */
    synchronized McpSyncServer attach(McpServer.SyncSpecification<?> spec) {
        if (applied == null) {
            applied = current();
        }
        if (!ticking) {
            ticking = true;
            executor.scheduleWithFixedDelay(this::refresh, TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
        }
        spec.resources(applied.resources.values().stream().map(e -> resources.spec(e.resource())).toList())
                .resourceTemplates(resources.templates())
                .prompts(applied.prompts.values().stream().map(prompts::spec).toList())
                .tools(List.copyOf(applied.tools.values()));
        McpSyncServer server = spec.build();
        servers.add(server);
        return server;
    }

    void detach(McpSyncServer server) {
        servers.remove(server);
    }

    /** Something may have changed: look again soon (many signals in a burst make one refresh). */
    void changed() {
        if (pending.compareAndSet(false, true)) {
            try {
                executor.schedule(() -> {
                    pending.set(false);
                    refresh();
                }, DEBOUNCE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                pending.set(false); // closed
            }
        }
    }

    /** Lists everything again and tells the servers (and through them the clients) what changed. */
    synchronized void refresh() {
        if (servers.isEmpty()) {
            applied = null; // nobody to tell: the next server to attach lists everything afresh
            return;
        }
        State next;
        try {
            next = current();
        } catch (RuntimeException e) {
            log.warn("MCP: cannot list the home's content now ({}); clients keep the last listing", e.getMessage());
            return;
        }
        State previous = applied;
        applied = next;
        if (previous == null) {
            return;
        }
        for (McpSyncServer server : servers) {
            apply(server, previous, next);
        }
    }

    private State current() {
        return new State(resources.current(), prompts.current(), tools.current());
    }

    private void apply(McpSyncServer server, State previous, State next) {
        previous.resources.keySet().stream().filter(uri -> !next.resources.containsKey(uri))
                .forEach(uri -> quietly(() -> server.removeResource(uri)));
        next.resources.forEach((uri, entry) -> {
            ResourceCatalog.Entry before = previous.resources.get(uri);
            if (before == null || !before.resource().equals(entry.resource())) {
                quietly(() -> server.addResource(resources.spec(entry.resource())));
            }
            if (before != null && !Objects.equals(before.version(), entry.version())) {
                quietly(() -> server.notifyResourcesUpdated(new McpSchema.ResourcesUpdatedNotification(uri)));
            }
        });
        previous.prompts.keySet().stream().filter(name -> !next.prompts.containsKey(name))
                .forEach(name -> quietly(() -> server.removePrompt(name)));
        next.prompts.forEach((name, prompt) -> {
            if (!prompt.equals(previous.prompts.get(name))) {
                quietly(() -> server.addPrompt(prompts.spec(prompt)));
            }
        });
        previous.tools.keySet().stream().filter(name -> !next.tools.containsKey(name))
                .forEach(name -> quietly(() -> server.removeTool(name)));
        next.tools.forEach((name, spec) -> {
            SyncToolSpecification before = previous.tools.get(name);
            if (before == null || !before.tool().equals(spec.tool())) {
                quietly(() -> server.addTool(spec));
            }
        });
    }

    private static void quietly(Runnable change) {
        try {
            change.run();
        } catch (RuntimeException e) {
            log.warn("MCP: could not tell every client about a change: {}", e.toString());
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
        tools.close();
    }
}
