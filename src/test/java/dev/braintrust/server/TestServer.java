package dev.braintrust.server;

import dev.braintrust.BrainTrust;
import dev.braintrust.Config;
import dev.braintrust.home.PaiHome;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** A real server on a free port over a fresh home, and a real HTTP client to talk to it. */
final class TestServer implements AutoCloseable {
    final Path home;
    final BrainTrust brainTrust;
    final ApiServer server;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private TestServer(Path home, BrainTrust brainTrust, ApiServer server) {
        this.home = home;
        this.brainTrust = brainTrust;
        this.server = server;
    }

    /** Initialises {@code home} with the examples and starts a server over it with these extra variables. */
    static TestServer start(Path home, Map<String, String> env, Routes... extra) {
        new PaiHome(home).init();
        Map<String, String> vars = new HashMap<>(env);
        vars.put("PAI_HOME", home.toString());
        vars.putIfAbsent("BRAIN_TRUST_PORT", "0");
        BrainTrust bt = BrainTrust.open(Config.fromEnv(vars));
        ApiServer server = new ApiServer(bt);
        for (Routes r : extra) {
            server.withRoutes(r);
        }
        try {
            server.start();
        } catch (RuntimeException e) {
            bt.close();
            throw e;
        }
        return new TestServer(home, bt, server);
    }

    static TestServer start(Path home) {
        return start(home, Map.of());
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    HttpResponse<String> get(String path, String... headers) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri(path)).GET(), headers);
    }

    HttpResponse<String> post(String path, String body, String... headers) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json"), headers);
    }

    HttpResponse<String> send(HttpRequest.Builder request, String... headers) throws IOException, InterruptedException {
        for (int i = 0; i + 1 < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Sends the request line exactly as given (no client-side normalisation) and returns the whole raw response. */
    RawResponse raw(String method, String rawPath, String... headers) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(10_000);
            StringBuilder req = new StringBuilder(method + " " + rawPath + " HTTP/1.1\r\nConnection: close\r\n");
            boolean hostGiven = false;
            for (int i = 0; i + 1 < headers.length; i += 2) {
                hostGiven |= headers[i].equalsIgnoreCase("Host");
                req.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
            }
            if (!hostGiven) {
                req.append("Host: 127.0.0.1:").append(server.port()).append("\r\n");
            }
            req.append("\r\n");
            OutputStream out = socket.getOutputStream();
            out.write(req.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            in.transferTo(all);
            return RawResponse.parse(all.toString(StandardCharsets.UTF_8));
        }
    }

    record RawResponse(int status, String head, String body) {
        static RawResponse parse(String text) {
            int split = text.indexOf("\r\n\r\n");
            String head = split < 0 ? text : text.substring(0, split);
            String body = split < 0 ? "" : text.substring(split + 4);
            String[] statusLine = head.split("\r\n", 2)[0].split(" ");
            return new RawResponse(Integer.parseInt(statusLine[1]), head, body);
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } finally {
            brainTrust.close();
        }
    }
}
