package dev.braintrust.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.braintrust.workflow.RunEvent;
import io.javalin.http.sse.SseClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One Server-Sent Events subscriber of a run. The run hands it events under its lock, so
 * {@link #offer} never blocks and never touches the socket: events go into a bounded queue, and
 * the stream's own writer thread sends them (and a comment when the run is quiet). A subscriber
 * that falls {@link #QUEUE} events behind is dropped and its stream closed; a client that stops
 * reading blocks only its own writer, until the connection's idle timeout fails the write.
 */
final class EventStream {
    /** Events a subscriber may fall behind before it is dropped (they are the run's own, shared, so this costs references). */
    static final int QUEUE = 10_000;
    private static final Logger log = LoggerFactory.getLogger(EventStream.class);
    private static final RunEvent END = new RunEvent(RunEvent.Type.DONE, "-", java.time.Instant.EPOCH, null, null, null,
            null, null, null);

    private final SseClient client;
    private final String runId;
    private final ObjectMapper mapper;
    private final long heartbeatMs;
    private final LinkedBlockingQueue<RunEvent> queue = new LinkedBlockingQueue<>(QUEUE + 1);
    private final Thread writer;
    private volatile AutoCloseable subscription;
    private volatile boolean ending;

    /** @param onEnd called once the stream has ended, whatever ended it */
    EventStream(SseClient client, String runId, ObjectMapper mapper, long heartbeatMs, Consumer<EventStream> onEnd) {
        this.client = client;
        this.runId = runId;
        this.mapper = mapper;
        this.heartbeatMs = heartbeatMs;
        this.writer = new Thread(() -> {
            try {
                write();
            } finally {
                unsubscribe();
                closeClient();
                onEnd.accept(this);
            }
        }, "sse-" + runId);
        writer.setDaemon(true);
    }

    /** Starts the writer, once the run's past events are queued; the subscription is closed when the stream ends. */
    void start(AutoCloseable subscription) {
        this.subscription = subscription;
        writer.start();
    }

    /** Takes an event for the writer; called under the run's lock: never blocks. */
    void offer(RunEvent event) {
        if (ending) {
            return;
        }
        if (!queue.offer(event) || queue.size() > QUEUE) {
            log.info("run {}: an event stream fell {} events behind and is closed", runId, QUEUE);
            end();
        }
    }

    /** Ends the stream soon (the server stops, the client left, or it fell behind): the writer sends nothing more. */
    void end() {
        ending = true;
        queue.clear();
        queue.offer(END);
    }

    /** Waits up to {@code millis} for the writer to finish; true when it did. */
    boolean awaitEnd(long millis) throws InterruptedException {
        writer.join(Math.max(1, millis));
        return !writer.isAlive();
    }

    private void write() {
        try {
            while (!client.terminated()) {
                RunEvent event = queue.poll(heartbeatMs, TimeUnit.MILLISECONDS);
                if (event == END || (ending && event != null)) {
                    return;
                }
                if (event == null) {
                    client.sendComment("still running");
                    continue;
                }
                client.sendEvent(event.type().label(), toJson(event));
                if (event.type() == RunEvent.Type.DONE) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.debug("run {}: an event stream failed: {}", runId, e.toString()); // the client went away
        }
    }

    private String toJson(RunEvent event) {
        try {
            return mapper.writeValueAsString(event);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("run events are plain records", e);
        }
    }

    private void unsubscribe() {
        AutoCloseable s = subscription;
        if (s != null) {
            try {
                s.close();
            } catch (Exception ignored) {
                // unsubscribing cannot fail in a way the client would care about
            }
        }
    }

    private void closeClient() {
        try {
            client.close();
        } catch (RuntimeException ignored) {
            // already closed by the client
        }
    }
}
