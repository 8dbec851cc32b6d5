package dev.braintrust.mcp;

import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema;

import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** The official Java SDK's client over both transports, recording the notifications it receives. */
final class McpClients {
    static final String CLIENT_NAME = "junit-java-sdk";

    /** What the server told the client without being asked. */
    static final class Heard {
        final List<String> updatedUris = new CopyOnWriteArrayList<>();
        final List<List<String>> resourceLists = new CopyOnWriteArrayList<>();
        final List<List<String>> toolLists = new CopyOnWriteArrayList<>();
        final List<List<String>> promptLists = new CopyOnWriteArrayList<>();
        final List<McpSchema.ProgressNotification> progress = new CopyOnWriteArrayList<>();
    }

    private McpClients() {
    }

    static McpSyncClient http(String baseUrl, String apiKey, Heard heard) {
        HttpRequest.Builder request = HttpRequest.newBuilder();
        if (apiKey != null) {
            request.header("Authorization", "Bearer " + apiKey);
        }
        return connect(HttpClientStreamableHttpTransport.builder(baseUrl).endpoint("/mcp").requestBuilder(request).build(), heard);
    }

    /** {@code brain-trust mcp} in a child JVM started as the launcher starts it (its heap limit), over {@code home}. */
    static McpSyncClient stdio(Path home, Map<String, String> env, Heard heard) {
        List<String> args = new ArrayList<>(List.of("-Xmx128m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                "dev.braintrust.cli.Main", "mcp", "--home", home.toString()));
        ServerParameters params = ServerParameters.builder(Path.of(System.getProperty("java.home"), "bin", "java").toString())
                .args(args).env(env).build();
        return connect(new StdioClientTransport(params, McpJsonDefaults.getMapper()), heard);
    }

    private static McpSyncClient connect(McpClientTransport transport, Heard heard) {
        McpSyncClient client = McpClient.sync(transport)
                .clientInfo(new McpSchema.Implementation(CLIENT_NAME, "1.0"))
                .requestTimeout(Duration.ofSeconds(60))
                .initializationTimeout(Duration.ofSeconds(60))
                .resourcesUpdateConsumer(contents -> contents.forEach(c -> heard.updatedUris.add(c.uri())))
                .resourcesChangeConsumer(list -> heard.resourceLists.add(list.stream().map(McpSchema.Resource::uri).toList()))
                .toolsChangeConsumer(list -> heard.toolLists.add(list.stream().map(McpSchema.Tool::name).toList()))
                .promptsChangeConsumer(list -> heard.promptLists.add(list.stream().map(McpSchema.Prompt::name).toList()))
                .progressConsumer(heard.progress::add)
                .build();
        client.initialize();
        return client;
    }

    static String text(McpSchema.ReadResourceResult result) {
        return ((McpSchema.TextResourceContents) result.contents().get(0)).text();
    }

    static String text(McpSchema.CallToolResult result) {
        return ((McpSchema.TextContent) result.content().get(0)).text();
    }
}
