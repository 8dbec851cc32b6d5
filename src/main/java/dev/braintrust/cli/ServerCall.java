package dev.braintrust.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.braintrust.Config;
import dev.braintrust.Json;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;

/**
 * Asks the server that may be running on this home (at BRAIN_TRUST_HOST:BRAIN_TRUST_PORT) to do something, so that
 * it does it in its own memory: a pin must be the running server's, not a copy's.
 */
final class ServerCall {
    private static final Duration CONNECT_TIMEOUT = Duration.ofMillis(500);

    /** The server's answer: status and JSON body (null when it was not JSON). */
    record Answer(int status, JsonNode body, String authority) {
        String detail() {
            return body != null && body.hasNonNull("detail") ? body.get("detail").asText()
                    : body != null && body.hasNonNull("error") ? body.get("error").asText() : "HTTP " + status;
        }
    }

    private ServerCall() {
    }

    /** @return the answer, or null when no server answers (the caller then does the work itself) */
    static Answer send(Config config, String method, String path, String jsonBody) throws IOException, InterruptedException {
        String host = config.host().equals("0.0.0.0") || config.host().equals("::") ? "127.0.0.1" : config.host();
        URI uri = URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + config.port() + path);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(5))
                .header("Content-Type", "application/json")
                .method(method, jsonBody == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(jsonBody));
        if (config.apiKey() != null) {
            request.header("X-API-Key", config.apiKey().reveal());
        }
        HttpClient client = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build();
        HttpResponse<String> response;
        try {
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException | HttpTimeoutException e) {
            return null;
        }
        JsonNode body;
        try {
            body = Json.mapper().readTree(response.body());
        } catch (IOException e) {
            body = null;
        }
        return new Answer(response.statusCode(), body, uri.getAuthority());
    }
}
