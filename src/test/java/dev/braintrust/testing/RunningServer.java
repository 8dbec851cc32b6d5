package dev.braintrust.testing;

import dev.braintrust.BrainTrust;
import dev.braintrust.Config;
import dev.braintrust.mcp.BrainTrustMcp;
import dev.braintrust.openai.OpenAiEndpoint;
import dev.braintrust.server.ApiServer;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * A real server on a free port, wired as {@code brain-trust serve} wires it: the API, the dashboard,
 * MCP at {@code /mcp} and the OpenAI-compatible {@code /v1}, over a home watched for changes.
 */
public final class RunningServer implements AutoCloseable {
    public final BrainTrust brainTrust;
    public final BrainTrustMcp mcp;
    public final ApiServer server;
    public final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private RunningServer(BrainTrust brainTrust, BrainTrustMcp mcp, ApiServer server) {
        this.brainTrust = brainTrust;
        this.mcp = mcp;
        this.server = server;
    }

    /** Starts over {@code config} (its port replaced by a free one). */
    public static RunningServer start(Config config) {
        BrainTrust bt = BrainTrust.open(config.withListen(config.host(), 0));
        BrainTrustMcp mcp = BrainTrustMcp.over(bt);
        try {
            bt.watchForChanges();
            ApiServer server = new ApiServer(bt).withRoutes(mcp.httpRoutes()).withRoutes(new OpenAiEndpoint(bt)).start();
            bt.runs();
            return new RunningServer(bt, mcp, server);
        } catch (RuntimeException e) {
            mcp.close();
            bt.close();
            throw e;
        }
    }

    /** Starts over a home made by {@link TestHome#create}, the models pointed at {@code llm}. */
    public static RunningServer start(java.nio.file.Path home, LlmStandIn llm, Map<String, String> extra) {
        return start(TestHome.config(home, llm, extra));
    }

    public int port() {
        return server.port();
    }

    public String url() {
        return "http://127.0.0.1:" + port();
    }

    public URI uri(String path) {
        return URI.create(url() + path);
    }

    public HttpResponse<String> send(HttpRequest.Builder request, String... headers) throws IOException, InterruptedException {
        for (int i = 0; i + 1 < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return http.send(request.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> get(String path, String... headers) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri(path)).GET(), headers);
    }

    public HttpResponse<String> post(String path, String json, String... headers) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)), headers);
    }

    /** The environment a child process needs to open the same home with the same settings. */
    public static Map<String, String> childEnv(java.nio.file.Path home, LlmStandIn llm, Map<String, String> extra) {
        return new HashMap<>(TestHome.env(home, llm, extra));
    }

    @Override
    public void close() {
        try {
            server.close();
        } finally {
            try {
                mcp.close();
            } finally {
                brainTrust.close();
            }
        }
    }
}
