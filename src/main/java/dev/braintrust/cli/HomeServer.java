package dev.braintrust.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.braintrust.BrainTrustException;
import dev.braintrust.Json;
import dev.braintrust.Secret;
import dev.braintrust.server.ServerRecord;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The server a command asks: the one given with {@code --url}, else the server of this home as its
 * {@code state/server.json} records it (never whatever answers on a port: that may be another home's).
 */
final class HomeServer {
    private static final Duration CONNECT_TIMEOUT = dev.braintrust.Config.DEFAULT_FIND_SERVER_TIMEOUT;

    /**
     * @param url  the base URL, e.g. {@code http://127.0.0.1:8000}
     * @param name how the messages name it: "the server of this home at ... (pid ..., ...)" or "the server at ... (--url)"
     */
    record Target(String url, String name) {
    }

    private HomeServer() {
    }

    static Optional<Target> find(String urlOption, Path home) {
        if (urlOption != null) {
            String url = urlOption.strip().replaceAll("/+$", "");
            if (!url.startsWith("http://") && !url.startsWith("https://")) {
                throw new BrainTrustException.BadInput("--url '" + urlOption + "' is not an http(s) URL; use e.g. http://127.0.0.1:8000");
            }
            return Optional.of(new Target(url, "the server at " + url + " (--url)"));
        }
        return ServerRecord.running(home).map(r -> new Target(r.url(), "the server of this home at " + r.describe()));
    }

    /**
     * Sends one request with the API key (when the environment has one).
     *
     * @throws BrainTrustException.Unavailable when the server does not answer, naming it
     */
    static HttpResponse<String> send(Target target, String method, String path, Secret apiKey, Duration timeout) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(target.url() + path)).timeout(timeout)
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (apiKey != null) {
            request.header("X-API-Key", apiKey.reveal());
        }
        HttpClient client = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build();
        try {
            return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException | HttpConnectTimeoutException e) {
            throw new BrainTrustException.Unavailable(target.name() + " does not answer (" + e.getClass().getSimpleName()
                    + "); is it still starting, or hung?");
        } catch (HttpTimeoutException e) {
            throw new BrainTrustException.Unavailable(target.name() + " did not answer within " + timeout.toSeconds() + " s");
        } catch (IOException e) {
            throw new BrainTrustException.Unavailable("cannot reach " + target.name() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BrainTrustException.Unavailable("interrupted while asking " + target.name());
        }
    }

    /** The reason in an error answer: its {@code detail}, else its {@code error}, else the status; the API key named when it was refused. */
    static String problem(Target target, HttpResponse<String> response) {
        if (response.statusCode() == 401 || response.statusCode() == 403) {
            return target.name() + " refused the request (HTTP " + response.statusCode() + "): set BRAIN_TRUST_API_KEY to the server's API key";
        }
        JsonNode body;
        try {
            body = Json.mapper().readTree(response.body());
        } catch (IOException e) {
            body = null;
        }
        String detail = body != null && body.hasNonNull("detail") ? body.get("detail").asText()
                : body != null && body.hasNonNull("error") ? body.get("error").asText() : "HTTP " + response.statusCode();
        return target.name() + " answered " + response.statusCode() + ": " + detail;
    }
}
