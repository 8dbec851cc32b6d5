package dev.braintrust.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.braintrust.Json;
import dev.braintrust.journal.ToolCallRecord;
import dev.braintrust.testing.LlmStandIn;
import dev.braintrust.testing.LlmStandIn.Reply;
import dev.braintrust.testing.Poll;
import dev.braintrust.testing.TestHome;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 11.9: a Server-Sent Events client that stops reading used to freeze the run it followed
 * (events were written to its socket under the run's lock), and tool-call arguments were stored and
 * sent whatever their size.
 */
class EventStreamTest {
    static final String KEY = "event-stream-key-0123456789";
    static final int ROUNDS = 16;

    @TempDir
    Path dir;
    final LlmStandIn llm = new LlmStandIn();
    TestServer server;

    @BeforeEach
    void start() {
        Path home = TestHome.create(dir.resolve("home"));
        TestHome.noSkills(home);
        TestHome.skill(home, "size.sh", """
                #!/bin/sh
                # NAME: size
                # PARAM: text (str) - anything
                printf '%s' "$1" | wc -c
                """);
        server = TestServer.start(home, TestHome.env(home, llm, Map.of("BRAIN_TRUST_API_KEY", KEY,
                "BRAIN_TRUST_MAX_TOOL_ROUNDS", String.valueOf(ROUNDS + 5))));
    }

    @AfterEach
    void stop() {
        server.close();
        llm.close();
    }

    static String workflow() {
        return "{\"name\":\"Chatty\",\"nodes\":[{\"id\":\"a\",\"type\":\"agentNode\",\"data\":{\"name\":\"Measurer\","
                + "\"prompt\":\"Measure\",\"model\":\"gpt-4o-mini\"}}],\"edges\":[]}";
    }

    String startRun() throws Exception {
        HttpResponse<String> r = server.post("/api/v1/runs", workflow(), "X-API-Key", KEY);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        return Json.mapper().readTree(r.body()).path("runId").asText();
    }

    /** A client that asks for the event stream with a tiny receive buffer and never reads a byte. */
    Socket stalledSubscriber(String runId) throws Exception {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(4096);
        socket.connect(new InetSocketAddress("127.0.0.1", server.server.port()));
        OutputStream out = socket.getOutputStream();
        out.write(("GET /api/v1/runs/" + runId + "/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
                + "X-API-Key: " + KEY + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return socket;
    }

    @Test
    void a_subscriber_that_stops_reading_neither_slows_the_run_nor_its_cancel_nor_the_other_subscribers() throws Exception {
        String big = "x".repeat(60_000);
        llm.script(call -> call.toolResults().size() < ROUNDS
                // each round takes a while, so that the second run is still going when it is cancelled, on a fast machine too
                ? Reply.tool("size", "{\"text\":\"" + big + "\"}").after(call.toolResults().isEmpty() ? 1500 : 300)
                : Reply.text("measured"));
        String id = startRun();
        try (Socket stalled = stalledSubscriber(id)) {
            CompletableFuture<List<String>> reader = CompletableFuture.supplyAsync(() -> readEvents(id));
            long t0 = System.nanoTime();
            Poll.until(Duration.ofSeconds(60), "the run ends", () -> !status(id).equals("running"));
            JsonNode run = Json.mapper().readTree(server.get("/api/v1/runs/" + id, "X-API-Key", KEY).body());
            long runMs = (System.nanoTime() - t0) / 1_000_000;
            assertThat(run.path("status").asText()).isEqualTo("succeeded");
            assertThat(run.path("steps").get(0).path("toolCalls")).hasSize(ROUNDS);
            assertThat(runMs).as("the run's time with a stalled subscriber attached, ms").isLessThan(25_000);
            List<String> events = reader.get(60, TimeUnit.SECONDS);
            assertThat(events).as("the reading subscriber got every event").hasSize(ROUNDS + 4).endsWith("done");

            String second = startRun();
            try (Socket alsoStalled = stalledSubscriber(second)) {
                Thread.sleep(2500); // the first model call waits 1.5 s; by then the stalled stream's buffers are full
                long c0 = System.nanoTime();
                HttpResponse<String> cancelled = server.send(HttpRequest.newBuilder(server.uri("/api/v1/runs/" + second)).DELETE(),
                        "X-API-Key", KEY);
                assertThat(cancelled.statusCode()).isEqualTo(200);
                assertThat((System.nanoTime() - c0) / 1_000_000).as("DELETE took, ms").isLessThan(3000);
                assertThat(Json.mapper().readTree(cancelled.body()).path("status").asText()).isEqualTo("cancelled");
            }
        }
        RunRoutes routes = runRoutes();
        Poll.until(Duration.ofSeconds(60), "the stalled streams are closed", () -> routes.openStreams() == 0);
    }

    @Test
    void tool_call_arguments_over_64_kib_are_stored_and_sent_cut_and_marked_truncated() throws Exception {
        String huge = "y".repeat(100_000);
        llm.script(call -> call.toolResults().isEmpty() ? Reply.tool("size", "{\"text\":\"" + huge + "\"}") : Reply.text("ok"));
        String id = startRun();
        Poll.until(Duration.ofSeconds(60), "the run ends", () -> !status(id).equals("running"));
        JsonNode call = Json.mapper().readTree(server.get("/api/v1/runs/" + id, "X-API-Key", KEY).body())
                .path("steps").get(0).path("toolCalls").get(0);
        String arguments = call.path("arguments").asText();
        assertThat(arguments.length()).isLessThanOrEqualTo(ToolCallRecord.MAX_ARGUMENT_CHARS);
        assertThat(arguments).startsWith("{\"text\":\"yyyy").endsWith("… [truncated: the model sent 100011 characters]");
        assertThat(call.path("outputExcerpt").asText().strip()).as("the skill got all of it").isEqualTo("100000");
        List<String> data = readEventData(id);
        assertThat(data).anySatisfy(d -> assertThat(d).contains("truncated: the model sent 100011 characters"));
        assertThat(data).allSatisfy(d -> assertThat(d.length()).isLessThan(ToolCallRecord.MAX_ARGUMENT_CHARS + 4096));
    }

    RunRoutes runRoutes() throws Exception {
        java.lang.reflect.Field f = ApiServer.class.getDeclaredField("runRoutes");
        f.setAccessible(true);
        return (RunRoutes) f.get(server.server);
    }

    String status(String id) {
        try {
            return Json.mapper().readTree(server.get("/api/v1/runs/" + id, "X-API-Key", KEY).body()).path("status").asText();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    List<String> readEvents(String id) {
        return readStream(id, true);
    }

    List<String> readEventData(String id) {
        return readStream(id, false);
    }

    private List<String> readStream(String id, boolean names) {
        try {
            HttpResponse<InputStream> stream = server.http.send(HttpRequest.newBuilder(server.uri("/api/v1/runs/" + id + "/events"))
                    .header("Accept", "text/event-stream").header("X-API-Key", KEY).build(), HttpResponse.BodyHandlers.ofInputStream());
            List<String> out = new ArrayList<>();
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
                for (String line; (line = lines.readLine()) != null; ) {
                    if (names && line.startsWith("event:")) {
                        out.add(line.substring(6).strip());
                    } else if (!names && line.startsWith("data:")) {
                        out.add(line.substring(5).strip());
                    }
                }
            }
            return out;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
