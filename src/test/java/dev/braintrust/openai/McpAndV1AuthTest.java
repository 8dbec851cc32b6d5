package dev.braintrust.openai;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.braintrust.testing.RunningServer;
import dev.braintrust.testing.TestHome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Who may reach /mcp and /v1: the API key (Bearer or X-API-Key), Host and Origin, as for the rest of the API. */
class McpAndV1AuthTest {
    static final String KEY = "auth-test-key-0123456789";
    static final String INITIALIZE = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
            + "\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"raw\",\"version\":\"1\"}}}";
    static final String CHAT = "{\"model\":\"brain-trust\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    @TempDir
    Path dir;

    HttpResponse<String> mcp(RunningServer server, String... headers) throws Exception {
        return server.send(HttpRequest.newBuilder(server.uri("/mcp")).POST(HttpRequest.BodyPublishers.ofString(INITIALIZE))
                .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream"), headers);
    }

    @Test
    void with_a_key_no_key_is_401_and_a_wrong_key_is_403_on_mcp_and_v1() throws Exception {
        try (RunningServer server = RunningServer.start(TestHome.create(dir.resolve("home")), null, Map.of("BRAIN_TRUST_API_KEY", KEY))) {
            assertThat(mcp(server).statusCode()).isEqualTo(401);
            assertThat(server.get("/v1/models").statusCode()).isEqualTo(401);
            assertThat(server.post("/v1/chat/completions", CHAT).statusCode()).isEqualTo(401);

            assertThat(mcp(server, "Authorization", "Bearer not-the-key").statusCode()).isEqualTo(403);
            assertThat(mcp(server, "X-API-Key", "not-the-key").statusCode()).isEqualTo(403);
            HttpResponse<String> wrong = server.get("/v1/models", "Authorization", "Bearer not-the-key");
            assertThat(wrong.statusCode()).isEqualTo(403);
            assertThat(new ObjectMapper().readTree(wrong.body()).path("error").path("message").asText()).contains("wrong API key");
            assertThat(server.post("/v1/chat/completions", CHAT, "Authorization", "Bearer not-the-key").statusCode()).isEqualTo(403);

            assertThat(mcp(server, "Authorization", "Bearer " + KEY).statusCode()).isEqualTo(200);
            assertThat(mcp(server, "X-API-Key", KEY).statusCode()).isEqualTo(200);
            assertThat(server.get("/v1/models", "Authorization", "Bearer " + KEY).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void a_web_page_of_another_origin_is_refused_even_with_the_key() throws Exception {
        try (RunningServer server = RunningServer.start(TestHome.create(dir.resolve("home")), null, Map.of("BRAIN_TRUST_API_KEY", KEY))) {
            assertThat(mcp(server, "Authorization", "Bearer " + KEY, "Origin", "https://evil.example").statusCode()).isEqualTo(403);
            assertThat(server.get("/v1/models", "Authorization", "Bearer " + KEY, "Origin", "https://evil.example").statusCode())
                    .isEqualTo(403);
            assertThat(server.post("/v1/chat/completions", CHAT, "Authorization", "Bearer " + KEY, "Origin", "https://evil.example")
                    .statusCode()).isEqualTo(403);
        }
    }

    @Test
    void without_a_key_only_requests_addressed_to_loopback_get_through() throws Exception {
        try (RunningServer server = RunningServer.start(TestHome.create(dir.resolve("home")), null, Map.of())) {
            assertThat(mcp(server).statusCode()).isEqualTo(200);
            assertThat(server.get("/v1/models").statusCode()).isEqualTo(200);
            // a DNS-rebinding page: the browser connects to 127.0.0.1 but names its own host
            assertThat(raw(server, "GET", "/v1/models", "Host", "rebind.evil.example")).startsWith("HTTP/1.1 403");
            assertThat(raw(server, "POST", "/mcp", "Host", "rebind.evil.example", "Content-Type", "application/json",
                    "Accept", "application/json, text/event-stream")).startsWith("HTTP/1.1 403");
            assertThat(mcp(server, "Origin", "http://evil.example").statusCode()).isEqualTo(403);
        }
    }

    /** A request with exactly these headers (java.net.http will not send a Host of our choosing). */
    static String raw(RunningServer server, String method, String path, String... headers) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(10_000);
            byte[] body = method.equals("POST") ? INITIALIZE.getBytes(StandardCharsets.UTF_8) : new byte[0];
            StringBuilder request = new StringBuilder(method + " " + path + " HTTP/1.1\r\nConnection: close\r\n");
            for (int i = 0; i + 1 < headers.length; i += 2) {
                request.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
            }
            request.append("Content-Length: ").append(body.length).append("\r\n\r\n");
            OutputStream out = socket.getOutputStream();
            out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            socket.getInputStream().transferTo(all);
            return all.toString(StandardCharsets.UTF_8);
        }
    }
}
