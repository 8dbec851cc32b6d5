package dev.braintrust.context;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The public face of context: a cached snapshot that is reloaded when it is invalidated (by the
 * file watcher, a sync or a request) or older than the TTL. A cached read is two volatile reads.
 *
 * <p>Invalidation bumps a generation counter; a snapshot is cached together with the generation
 * seen <em>before</em> it was read, so an edit that lands while a load is running is never lost.
 */
public final class ContextService {
    private final ContextSource source;
    private final long ttlNanos;
    private final LongSupplier nanoTime;
    private final AtomicLong generation = new AtomicLong();
    private final AtomicLong loads = new AtomicLong();
    private final AtomicLong hits = new AtomicLong();
    private final List<Runnable> invalidationListeners = new CopyOnWriteArrayList<>();
    private volatile Cached cached;

    private record Cached(ContextSnapshot snapshot, long generation, long loadedAtNanos) {
    }

    public ContextService(ContextSource source, Duration ttl) {
        this(source, ttl, System::nanoTime);
    }

    ContextService(ContextSource source, Duration ttl, LongSupplier nanoTime) {
        this.source = source;
        this.ttlNanos = ttl.toNanos();
        this.nanoTime = nanoTime;
    }

    /** The current snapshot, loaded if the cache is empty, invalidated or older than the TTL. */
    public ContextSnapshot snapshot() {
        Cached c = cached;
        if (c != null && c.generation == generation.get() && nanoTime.getAsLong() - c.loadedAtNanos < ttlNanos) {
            hits.incrementAndGet();
            return c.snapshot;
        }
        return reload();
    }

    private synchronized ContextSnapshot reload() {
        Cached c = cached;
        long gen = generation.get();
        long now = nanoTime.getAsLong();
        if (c != null && c.generation == gen && now - c.loadedAtNanos < ttlNanos) {
            hits.incrementAndGet();
            return c.snapshot; // another thread loaded it while we waited
        }
        ContextSnapshot snapshot = source.load();
        loads.incrementAndGet();
        cached = new Cached(snapshot, gen, now);
        return snapshot;
    }

    /** Drops the cached snapshot; the next read loads a fresh one. Cheap and safe from any thread. */
    public void invalidate() {
        generation.incrementAndGet();
        for (Runnable listener : invalidationListeners) {
            listener.run();
        }
    }

    /** Runs {@code listener} on every invalidation (skills and workflows follow the same signal). */
    public void onInvalidate(Runnable listener) {
        invalidationListeners.add(listener);
    }

    /**
     * The system prompt an agent with these instructions receives, built from the current snapshot,
     * as a cloud model receives it: {@code local} files withheld, {@code never} files left out.
     */
    public String composePrompt(String agentInstructions) {
        return PromptComposer.compose(select(Privacy.PUBLIC).snapshot(), agentInstructions);
    }

    /** The part of the current snapshot a destination of this clearance may receive. */
    public ContextSelection select(Privacy clearance) {
        return ContextSelection.of(snapshot(), clearance);
    }

    /**
     * The TELOS block (no agent block) for a client of this clearance: what MCP and the
     * OpenAI-compatible endpoint hand out, with {@code BRAIN_TRUST_MCP_PRIVACY} as the clearance.
     */
    public String telosBlock(Privacy clearance) {
        return PromptComposer.telosBlock(select(clearance).snapshot());
    }

    /**
     * The system prompt an agent with this role, backstory and goal receives now, as a cloud model
     * receives it: {@code local} files withheld, {@code never} files left out.
     */
    public String composePrompt(PromptComposer.Agent agent) {
        return PromptComposer.compose(select(Privacy.PUBLIC).snapshot(), agent);
    }

    public long loadCount() {
        return loads.get();
    }

    public long hitCount() {
        return hits.get();
    }
}
