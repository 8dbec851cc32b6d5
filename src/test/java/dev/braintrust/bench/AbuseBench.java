package dev.braintrust.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.braintrust.Json;
import dev.braintrust.testing.HttpFlood;
import dev.braintrust.testing.LlmStandIn;
import dev.braintrust.testing.LlmStandIn.Reply;
import dev.braintrust.testing.RemoteFixture;
import dev.braintrust.testing.ServerProcess;
import dev.braintrust.testing.TestHome;

import javax.crypto.Mac;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The hostile-client battery of issue 11 (run by bench/abuse.sh, not a unit test): each scenario
 * starts a server through the launcher ({@code bench.launcher}), measures heap (after a full GC) and
 * RSS before, attacks it while probing {@code /health} every 20 ms, measures again, and prints one
 * line: {@code scenario=... survived=yes|no worst_health_ms=... heap_mib=before->after rss_mib=before->after note=...}.
 * Scenarios: {@code webhook-flood}, {@code unknown-files}, {@code stalled-sse}, {@code sigterm-live-stream},
 * {@code nested-json}. A scenario is one method; add one by adding a case to {@link #main}.
 */
public final class AbuseBench {
    static final long MIB = 1024 * 1024;
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    public static void main(String[] args) throws Exception {
        Path dir = Files.createDirectories(Path.of(args[1]));
        switch (args[0]) {
            case "webhook-flood" -> webhookFlood(dir);
            case "unknown-files" -> unknownFiles(dir);
            case "stalled-sse" -> stalledSse(dir);
            case "sigterm-live-stream" -> sigtermLiveStream(dir);
            case "nested-json" -> nestedJson(dir);
            default -> throw new IllegalArgumentException("unknown scenario " + args[0]);
        }
        System.exit(0); // the LLM stand-in's threads
    }

    /** /health probed every 20 ms on its own thread while an attack runs. */
    static final class HealthProbe implements AutoCloseable {
        final AtomicLong worst = new AtomicLong();
        final AtomicLong failures = new AtomicLong();
        final AtomicBoolean running = new AtomicBoolean(true);
        final Thread thread;

        HealthProbe(ServerProcess server) {
            thread = new Thread(() -> {
                while (running.get()) {
                    long ms = server.healthMillis();
                    if (ms < 0) {
                        failures.incrementAndGet();
                    } else {
                        worst.accumulateAndGet(ms, Math::max);
                    }
                    sleep(20);
                }
            }, "health-probe");
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join();
        }
    }

    static void report(String scenario, boolean survived, HealthProbe probe, long heapBefore, long heapAfter, long rssBefore,
                       long rssAfter, String note) {
        System.out.printf("scenario=%s survived=%s worst_health_ms=%s heap_mib=%s rss_mib=%s note=%s%n", scenario,
                survived ? "yes" : "no", probe == null ? "-" : probe.worst.get() + (probe.failures.get() > 0 ? " (" + probe.failures.get()
                        + " probes failed)" : ""), mib(heapBefore) + "->" + mib(heapAfter), mib(rssBefore) + "->" + mib(rssAfter), note);
    }

    static String mib(long bytes) {
        return bytes < 0 ? "-" : String.format(java.util.Locale.ROOT, "%.1f", bytes / (double) MIB);
    }

    static void warm(ServerProcess server) {
        for (int i = 0; i < 50; i++) {
            server.healthMillis();
        }
    }

    // --- scenarios -----------------------------------------------------------------------------

    static void webhookFlood(Path dir) throws Exception {
        String secret = "abuse-bench-secret";
        RemoteFixture remote = RemoteFixture.create(dir, "main");
        remote.commitAndPush("first", "context/MISSION.md", "m", "context/GOALS.md", "g", "context/BELIEFS.md", "b");
        try (ServerProcess server = ServerProcess.start(dir.resolve("home"), Map.of("BRAIN_TRUST_GIT_URL", remote.url(),
                "HOME", dir.toString(), "WEBHOOK_SECRET", secret, "BRAIN_TRUST_SYNC_INTERVAL", "0"))) {
            waitReady(server);
            warm(server);
            long heap0 = server.heapUsedAfterGc();
            long rss0 = server.rssBytes();
            String next = remote.commitAndPush("goals", "context/GOALS.md", "g2");
            int size = 25 * 1024 * 1024;
            List<Integer> statuses = new ArrayList<>();
            long peakRss;
            try (HealthProbe probe = new HealthProbe(server)) {
                List<CompletableFuture<HttpResponse<String>>> flood = new ArrayList<>();
                for (int i = 0; i < 16; i++) {
                    flood.add(HTTP.sendAsync(delivery(server.url, "bad-" + i, "sha256=" + "0".repeat(64), size),
                            HttpResponse.BodyHandlers.ofString()));
                }
                for (CompletableFuture<HttpResponse<String>> f : flood) {
                    try {
                        statuses.add(f.get(300, TimeUnit.SECONDS).statusCode());
                    } catch (Exception e) {
                        statuses.add(-1);
                    }
                }
                peakRss = server.rssBytes();
                probe.close();
                HttpResponse<String> good = HTTP.send(delivery(server.url, "good", sign(secret, size), size),
                        HttpResponse.BodyHandlers.ofString());
                boolean synced = good.statusCode() == 200 && good.body().contains(next);
                long heap1 = server.heapUsedAfterGc();
                report("webhook-flood", server.process.isAlive() && synced, probe, heap0, heap1, rss0, server.rssBytes(),
                        "16 x 25 MiB bad signatures answered " + statuses + ", then a good one " + good.statusCode()
                                + (synced ? " synced" : " NOT synced") + "; rss at the end of the flood " + mib(peakRss) + " MiB");
            }
        } finally {
            remote.close();
        }
    }

    static void unknownFiles(Path dir) throws Exception {
        try (ServerProcess server = ServerProcess.start(TestHome.create(dir.resolve("home")), Map.of("HOME", dir.toString()))) {
            warm(server);
            HttpFlood.get(server.url, 5_000, 2, i -> "/js/warm-" + i + ".js");
            long heap0 = server.heapUsedAfterGc();
            long rss0 = server.rssBytes();
            long t0 = System.nanoTime();
            Map<Integer, Long> counts;
            try (HealthProbe probe = new HealthProbe(server)) {
                counts = HttpFlood.get(server.url, 200_000, 4, i -> (i % 2 == 0 ? "/js/" : "/js/pages/") + "u" + i + "-"
                        + Long.toHexString(i * 2654435761L) + ".js");
                probe.close();
                double seconds = (System.nanoTime() - t0) / 1e9;
                long heap1 = server.heapUsedAfterGc();
                boolean ok = server.process.isAlive() && counts.equals(Map.of(404, 200_000L)) && heap1 - heap0 < 10 * MIB;
                report("unknown-files", ok, probe, heap0, heap1, rss0, server.rssBytes(), "200,000 unique unknown names: "
                        + counts + " in " + String.format(java.util.Locale.ROOT, "%.1f", seconds) + " s; heap changed by "
                        + String.format(java.util.Locale.ROOT, "%+.1f", (heap1 - heap0) / (double) MIB) + " MiB (target < 10)");
            }
        }
    }

    static void stalledSse(Path dir) throws Exception {
        try (LlmStandIn llm = new LlmStandIn()) {
            Path home = TestHome.create(dir.resolve("home"));
            TestHome.noSkills(home);
            TestHome.skill(home, "size.sh", "#!/bin/sh\n# NAME: size\n# PARAM: text (str) - anything\nprintf '%s' \"$1\" | wc -c\n");
            String big = "x".repeat(60_000);
            int rounds = 16;
            llm.script(call -> call.toolResults().size() < rounds
                    ? Reply.tool("size", "{\"text\":\"" + big + "\"}").after(call.toolResults().isEmpty() ? 1500 : 0)
                    : Reply.text("measured"));
            try (ServerProcess server = ServerProcess.start(home, TestHome.env(home, llm,
                    Map.of("BRAIN_TRUST_MAX_TOOL_ROUNDS", String.valueOf(rounds + 5))))) {
                warm(server);
                long heap0 = server.heapUsedAfterGc();
                long rss0 = server.rssBytes();
                try (HealthProbe probe = new HealthProbe(server)) {
                    String id = startRun(server, "Chatty");
                    long runMs;
                    long cancelMs;
                    String status;
                    try (Socket stalled = stalledSubscriber(server, id)) {
                        long t0 = System.nanoTime();
                        status = awaitEnd(server, id, Duration.ofSeconds(120));
                        runMs = (System.nanoTime() - t0) / 1_000_000;
                        String second = startRun(server, "Chatty");
                        try (Socket alsoStalled = stalledSubscriber(server, second)) {
                            sleep(2500);
                            long c0 = System.nanoTime();
                            HTTP.send(HttpRequest.newBuilder(URI.create(server.url + "/api/v1/runs/" + second)).DELETE().build(),
                                    HttpResponse.BodyHandlers.ofString());
                            cancelMs = (System.nanoTime() - c0) / 1_000_000;
                        }
                    }
                    probe.close();
                    long heap1 = server.heapUsedAfterGc();
                    boolean ok = server.process.isAlive() && status.equals("succeeded") && runMs < 25_000 && cancelMs < 3_000;
                    report("stalled-sse", ok, probe, heap0, heap1, rss0, server.rssBytes(), "a run of " + rounds
                            + " tool calls x 60 KB followed by a client that never reads: " + status + " in " + runMs
                            + " ms; DELETE of another such run took " + cancelMs + " ms");
                }
            }
        }
    }

    static void sigtermLiveStream(Path dir) throws Exception {
        try (LlmStandIn llm = new LlmStandIn()) {
            Path home = TestHome.create(dir.resolve("home"));
            TestHome.noSkills(home);
            llm.script(call -> Reply.text("too late").after(120_000));
            ServerProcess server = ServerProcess.start(home, TestHome.env(home, llm, Map.of()));
            try {
                warm(server);
                long heap0 = server.heapUsedAfterGc();
                long rss0 = server.rssBytes();
                String id = startRun(server, "Slow");
                HttpResponse<InputStream> stream = HTTP.send(HttpRequest.newBuilder(URI.create(server.url + "/api/v1/runs/" + id
                        + "/events")).header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofInputStream());
                List<String> lines = new CopyOnWriteArrayList<>();
                CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> {
                    try (BufferedReader in = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
                        for (String line; (line = in.readLine()) != null; ) {
                            lines.add(line);
                        }
                    } catch (Exception ignored) {
                        // the stream broke: counted below, by the missing done event
                    }
                });
                llm.awaitCalls(1, 30_000);
                long rss1 = server.rssBytes();
                long t0 = System.nanoTime();
                boolean exited = server.terminate(Duration.ofSeconds(45));
                long stopMs = (System.nanoTime() - t0) / 1_000_000;
                reader.get(10, TimeUnit.SECONDS);
                boolean done = lines.stream().anyMatch(l -> l.contains("\"status\":\"interrupted\""));
                String stored;
                try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + home.resolve("state/brain-trust.db"));
                     ResultSet rs = c.createStatement().executeQuery("SELECT status FROM runs WHERE id = '" + id + "'")) {
                    stored = rs.next() ? rs.getString(1) : "(none)";
                }
                String journal = String.join("\n", Files.readAllLines(Files.list(home.resolve("logs")).findFirst().orElseThrow()));
                boolean journaled = journal.contains(id) && journal.contains("interrupted");
                long npes = server.stderr().lines().filter(l -> l.contains("NullPointerException")).count();
                boolean ok = exited && done && stored.equals("interrupted") && journaled && npes == 0;
                report("sigterm-live-stream", ok, null, heap0, -1, rss0, rss1, "SIGTERM with a run waiting on its model and a live "
                        + "event stream: exited " + (exited ? "in " + stopMs + " ms (grace 45 s)" : "NOT within 45 s") + ", stream got done="
                        + done + ", database says " + stored + ", journal entry " + journaled + ", " + npes + " NPEs in "
                        + server.stderr().lines().count() + " lines of stderr (heap after: the process is gone)");
            } finally {
                server.close();
            }
        }
    }

    static void nestedJson(Path dir) throws Exception {
        try (ServerProcess server = ServerProcess.start(TestHome.create(dir.resolve("home")), Map.of("HOME", dir.toString()))) {
            warm(server);
            long heap0 = server.heapUsedAfterGc();
            long rss0 = server.rssBytes();
            String deep = "[".repeat(500_000);
            List<Integer> statuses = new CopyOnWriteArrayList<>();
            try (HealthProbe probe = new HealthProbe(server)) {
                List<CompletableFuture<Void>> all = new ArrayList<>();
                for (int i = 0; i < 40; i++) {
                    all.add(HTTP.sendAsync(HttpRequest.newBuilder(URI.create(server.url + "/api/v1/run-workflow"))
                                    .POST(HttpRequest.BodyPublishers.ofString(deep)).build(), HttpResponse.BodyHandlers.ofString())
                            .thenAccept(r -> statuses.add(r.statusCode())));
                }
                CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
                Files.writeString(dir.resolve("home/workflows/deep.json"), "{\"nodes\":" + deep);
                HttpResponse<String> status = HTTP.send(HttpRequest.newBuilder(URI.create(server.url + "/api/v1/status")).build(),
                        HttpResponse.BodyHandlers.ofString());
                probe.close();
                boolean warned = status.statusCode() == 200 && status.body().contains("workflows/deep.json");
                long heap1 = server.heapUsedAfterGc();
                boolean ok = server.process.isAlive() && statuses.stream().allMatch(s -> s == 400) && warned;
                report("nested-json", ok, probe, heap0, heap1, rss0, server.rssBytes(), "40 x 500,000 nested '[' to run-workflow: "
                        + statuses.stream().distinct().toList() + "; a nested file in workflows/: status " + status.statusCode()
                        + (warned ? " with a warning naming it" : " WITHOUT the warning"));
            }
        }
    }

    // --- helpers -------------------------------------------------------------------------------

    static String startRun(ServerProcess server, String name) throws Exception {
        String body = "{\"name\":\"" + name + "\",\"nodes\":[{\"id\":\"a\",\"type\":\"agentNode\",\"data\":{\"name\":\"Agent\","
                + "\"prompt\":\"Work\",\"model\":\"gpt-4o-mini\"}}],\"edges\":[]}";
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(server.url + "/api/v1/runs"))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 202) {
            throw new IllegalStateException("the run did not start: " + r.body());
        }
        return Json.mapper().readTree(r.body()).path("runId").asText();
    }

    static String awaitEnd(ServerProcess server, String id, Duration deadline) throws Exception {
        long end = System.nanoTime() + deadline.toNanos();
        while (System.nanoTime() < end) {
            JsonNode run = Json.mapper().readTree(server.get("/api/v1/runs/" + id).body());
            if (!run.path("status").asText().equals("running")) {
                return run.path("status").asText();
            }
            sleep(50);
        }
        return "still running after " + deadline.toSeconds() + " s";
    }

    static Socket stalledSubscriber(ServerProcess server, String runId) throws Exception {
        URI base = URI.create(server.url);
        Socket socket = new Socket();
        socket.setReceiveBufferSize(4096);
        socket.connect(new InetSocketAddress(base.getHost(), base.getPort()));
        OutputStream out = socket.getOutputStream();
        out.write(("GET /api/v1/runs/" + runId + "/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return socket;
    }

    static void waitReady(ServerProcess server) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < end) {
            try {
                if (server.get("/ready").statusCode() == 200) {
                    return;
                }
            } catch (Exception ignored) {
                // not yet
            }
            sleep(50);
        }
        throw new IllegalStateException("the server did not become ready");
    }

    static HttpRequest delivery(String url, String id, String signature, int size) {
        return HttpRequest.newBuilder(URI.create(url + "/api/v1/webhook/sync-context")).timeout(Duration.ofSeconds(300))
                .header("Content-Type", "application/json").header("X-GitHub-Event", "push").header("X-GitHub-Delivery", id)
                .header("X-Hub-Signature-256", signature)
                .POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> paddedPush(size)), size))
                .build();
    }

    static String sign(String secret, int size) throws Exception {
        Mac mac = dev.braintrust.Secret.ofNullable(secret).newHmacSha256();
        try (InputStream in = paddedPush(size)) {
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                mac.update(buffer, 0, n);
            }
        }
        return "sha256=" + HexFormat.of().formatHex(mac.doFinal());
    }

    /** {"ref":"refs/heads/main","pad":"xxx..."} of exactly {@code size} bytes, generated as it is read. */
    static InputStream paddedPush(int size) {
        byte[] head = "{\"ref\":\"refs/heads/main\",\"pad\":\"".getBytes(StandardCharsets.US_ASCII);
        byte[] tail = "\"}".getBytes(StandardCharsets.US_ASCII);
        return new InputStream() {
            long position;

            @Override
            public int read() {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (position >= size) {
                    return -1;
                }
                int n = (int) Math.min(len, size - position);
                java.util.Arrays.fill(b, off, off + n, (byte) 'x');
                for (long p = position; p < Math.min(position + n, head.length); p++) {
                    b[off + (int) (p - position)] = head[(int) p];
                }
                long tailStart = size - tail.length;
                for (long p = Math.max(position, tailStart); p < position + n; p++) {
                    b[off + (int) (p - position)] = tail[(int) (p - tailStart)];
                }
                position += n;
                return n;
            }
        };
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
