package dev.braintrust.bench;

import dev.braintrust.testing.ChildJvm;
import dev.braintrust.testing.LlmStandIn;
import dev.braintrust.testing.Poll;
import dev.braintrust.testing.TestHome;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * MCP and OpenAI-compatible figures for issue 16 (run by bench/mcp.sh, not a unit test). The server is
 * {@code brain-trust serve} through the launcher named by {@code bench.launcher} (the product's JVM
 * options and class-data archive), else a child JVM; clients run in this JVM, over loopback.
 * <ol>
 *   <li>MCP {@code resources/read} of the TELOS block and {@code tools/call} of a trivial skill (a shell
 *       script that prints one word), with the official Java SDK client over Streamable HTTP, then over
 *       stdio ({@code brain-trust mcp} started the same way);</li>
 *   <li>time to first streamed token through {@code POST /v1/chat/completions} with the LLM stand-in
 *       answering at once, beside the stand-in's own round trip, so the difference is our overhead;</li>
 *   <li>for reference, a cached {@code GET /api/v1/context} on the same server.</li>
 * </ol>
 * Usage: McpBench <empty dir>
 */
public final class McpBench {
    static final int READS = Integer.getInteger("bench.reads", 2000);
    static final int CALLS = Integer.getInteger("bench.calls", 300);
    static final int STREAMS = Integer.getInteger("bench.streams", 300);

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        System.out.println("load average at start: " + Files.readString(Path.of("/proc/loadavg")).strip()
                + " (" + Runtime.getRuntime().availableProcessors() + " cores)");
        Path home = TestHome.create(dir.resolve("home"));
        TestHome.skill(home, "noop.sh", "#!/bin/sh\n# NAME: noop\n# DESCRIPTION: Prints ok.\necho ok\n");
        try (LlmStandIn llm = new LlmStandIn()) {
            llm.script(call -> LlmStandIn.Reply.text("ok"));
            int port;
            try (ServerSocket socket = new ServerSocket(0)) {
                port = socket.getLocalPort();
            }
            Map<String, String> env = new HashMap<>(TestHome.env(home, llm, Map.of("BRAIN_TRUST_PORT", String.valueOf(port))));
            Process server = launch(env, "serve").redirectErrorStream(true).redirectOutput(dir.resolve("server.log").toFile()).start();
            String base = "http://127.0.0.1:" + port;
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            try {
                Poll.until(Duration.ofMinutes(2), "the server to be ready", () -> status(http, base + "/ready") == 200);
                McpSyncClient client = connect(HttpClientStreamableHttpTransport.builder(base).endpoint("/mcp").build());
                try {
                    mcp("mcp_http", client);
                } finally {
                    client.closeGracefully();
                }
                ttft(http, base, llm);
                reference(http, base);
            } finally {
                server.destroy();
                server.waitFor(30, TimeUnit.SECONDS);
            }
            ProcessBuilder stdio = launch(env, "mcp");
            McpSyncClient client = connect(new StdioClientTransport(ServerParameters.builder(stdio.command().get(0))
                    .args(stdio.command().subList(1, stdio.command().size())).env(env).build(), McpJsonDefaults.getMapper()));
            try {
                mcp("mcp_stdio", client);
            } finally {
                client.closeGracefully();
            }
        }
    }

    private static void mcp(String name, McpSyncClient client) {
        McpSchema.ReadResourceRequest read = new McpSchema.ReadResourceRequest("brain-trust://telos");
        for (int i = 0; i < READS / 4; i++) {
            client.readResource(read);
        }
        double[] reads = new double[READS];
        for (int i = 0; i < READS; i++) {
            long t0 = System.nanoTime();
            client.readResource(read);
            reads[i] = (System.nanoTime() - t0) / 1e6;
        }
        report(name + "_resources_read_telos", reads);
        McpSchema.CallToolRequest call = new McpSchema.CallToolRequest("noop", Map.of());
        for (int i = 0; i < CALLS / 10; i++) {
            client.callTool(call);
        }
        double[] calls = new double[CALLS];
        for (int i = 0; i < CALLS; i++) {
            long t0 = System.nanoTime();
            McpSchema.CallToolResult result = client.callTool(call);
            calls[i] = (System.nanoTime() - t0) / 1e6;
            if (Boolean.TRUE.equals(result.isError())) {
                throw new IllegalStateException("the skill failed: " + result.content());
            }
        }
        report(name + "_tools_call_noop_skill", calls);
    }

    /** First content token of a streamed completion, and the stand-in's own round trip for the same answer. */
    private static void ttft(HttpClient http, String base, LlmStandIn llm) throws Exception {
        String body = "{\"model\":\"brain-trust\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Say ok\"}]}";
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        int warmup = STREAMS / 5;
        double[] first = new double[STREAMS];
        double[] role = new double[STREAMS];
        for (int i = 0; i < warmup + STREAMS; i++) {
            long t0 = System.nanoTime();
            HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            double roleMs = -1;
            double firstMs = -1;
            try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    if (line.contains("\"role\":\"assistant\"") && roleMs < 0) {
                        roleMs = (System.nanoTime() - t0) / 1e6;
                    } else if (line.contains("\"content\":\"ok\"") && firstMs < 0) {
                        firstMs = (System.nanoTime() - t0) / 1e6;
                    }
                }
            }
            if (firstMs < 0) {
                throw new IllegalStateException("no token in the stream (status " + response.statusCode() + ")");
            }
            if (i >= warmup) {
                first[i - warmup] = firstMs;
                role[i - warmup] = roleMs;
            }
        }
        report("v1_stream_first_role_chunk", role);
        report("v1_stream_first_token", first);
        String direct = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Say ok\"}]}";
        HttpRequest standIn = HttpRequest.newBuilder(URI.create(llm.openAiBaseUrl() + "/chat/completions"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(direct)).build();
        double[] model = new double[STREAMS];
        for (int i = 0; i < warmup + STREAMS; i++) {
            long t0 = System.nanoTime();
            http.send(standIn, HttpResponse.BodyHandlers.ofString());
            if (i >= warmup) {
                model[i - warmup] = (System.nanoTime() - t0) / 1e6;
            }
        }
        report("standin_round_trip", model);
        double ours = pct(sorted(first), 50);
        System.out.printf("v1 first-token p50 %.2f ms, of which the stand-in's own round trip %.2f ms; target < 20 ms: %s%n",
                ours, pct(sorted(model), 50), ours < 20 ? "met" : "NOT met");
    }

    private static void reference(HttpClient http, String base) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/api/v1/context")).build();
        double[] ms = new double[READS];
        for (int i = 0; i < READS / 4 + READS; i++) {
            long t0 = System.nanoTime();
            http.send(request, HttpResponse.BodyHandlers.ofString());
            if (i >= READS / 4) {
                ms[i - READS / 4] = (System.nanoTime() - t0) / 1e6;
            }
        }
        report("reference_get_api_v1_context", ms);
    }

    private static McpSyncClient connect(McpClientTransport transport) {
        McpSyncClient client = McpClient.sync(transport).clientInfo(new McpSchema.Implementation("mcp-bench", "1"))
                .requestTimeout(Duration.ofSeconds(60)).initializationTimeout(Duration.ofSeconds(120)).build();
        client.initialize();
        return client;
    }

    /** The server or {@code mcp} command as the product runs it: through the launcher when {@code bench.launcher} is set. */
    private static ProcessBuilder launch(Map<String, String> env, String command) {
        String launcher = System.getProperty("bench.launcher");
        if (launcher == null) {
            return ChildJvm.builder(dev.braintrust.cli.Main.class, env, command);
        }
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(List.of(launcher, command)));
        pb.environment().putAll(env);
        return pb;
    }

    private static int status(HttpClient http, String url) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    private static double[] sorted(double[] ms) {
        double[] s = ms.clone();
        Arrays.sort(s);
        return s;
    }

    static void report(String name, double[] ms) {
        double[] s = sorted(ms);
        System.out.printf("%s_ms p50=%.3f p99=%.3f max=%.3f (n=%d)%n", name, pct(s, 50), pct(s, 99), s[s.length - 1], s.length);
    }

    static double pct(double[] sorted, int p) {
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }
}
