package dev.braintrust.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Asks the Ollama server at OLLAMA_BASE_URL whether it answers, and which models it has
 * ({@code GET /api/tags}), with a short timeout. The answer is kept for {@link #CACHE_FOR}, so
 * status pages polled every few seconds cost one request per half minute at most.
 */
public final class OllamaProbe {
    static final Duration TIMEOUT = dev.braintrust.Config.DEFAULT_OLLAMA_PROBE_TIMEOUT;
    static final Duration CACHE_FOR = dev.braintrust.Config.DEFAULT_OLLAMA_PROBE_CACHE;
    private static final int MAX_ANSWER_BYTES = 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String baseUrl;
    private final Clock clock;
    private final Object lock = new Object();
    private Result last;
    private Instant lastAt;

    /**
     * What the probe found.
     *
     * @param answers whether a server answered like Ollama
     * @param models  the models it has (names such as {@code llama3.2:latest}); empty when it does not answer
     * @param problem why it does not answer, in words; null when it does
     */
    public record Result(String baseUrl, boolean answers, List<String> models, String problem) {
        public Result {
            models = List.copyOf(models);
        }

        /** Whether the server has this model: {@code llama3.2} matches {@code llama3.2:latest}. */
        public boolean has(String model) {
            String wanted = model.toLowerCase(Locale.ROOT);
            String withTag = wanted.contains(":") ? wanted : wanted + ":latest";
            return models.stream().map(m -> m.toLowerCase(Locale.ROOT)).anyMatch(m -> m.equals(wanted) || m.equals(withTag));
        }
    }

    public OllamaProbe(String baseUrl, Clock clock) {
        this.baseUrl = baseUrl;
        this.clock = clock;
    }

    public String baseUrl() {
        return baseUrl;
    }

    /** The last answer if it is recent, else asks again (at most one request at a time). */
    public Result probe() {
        synchronized (lock) {
            Instant now = clock.instant();
            if (last == null || !now.isBefore(lastAt.plus(CACHE_FOR))) {
                last = ask();
                lastAt = clock.instant();
            }
            return last;
        }
    }

    /**
     * One {@code GET /api/tags}. Through {@link HttpURLConnection}: for a plain-http server it sets up no TLS,
     * which the JDK's newer client does on creation (half a second of a one-shot command on a small machine).
     */
    private Result ask() {
        URI uri;
        try {
            uri = URI.create(baseUrl.endsWith("/") ? baseUrl + "api/tags" : baseUrl + "/api/tags");
            if (uri.getHost() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))) {
                return down("OLLAMA_BASE_URL '" + baseUrl + "' is not an http:// or https:// URL");
            }
        } catch (IllegalArgumentException e) {
            return down("OLLAMA_BASE_URL '" + baseUrl + "' is not a URL");
        }
        HttpURLConnection connection = null;
        try {
            connection = (HttpURLConnection) uri.toURL().openConnection();
            connection.setConnectTimeout((int) TIMEOUT.toMillis());
            connection.setReadTimeout((int) TIMEOUT.toMillis());
            connection.setInstanceFollowRedirects(false);
            int status = connection.getResponseCode();
            if (status != 200) {
                return down("it answered HTTP " + status + " to GET /api/tags");
            }
            JsonNode root;
            try (InputStream body = connection.getInputStream()) {
                root = JSON.readTree(body.readNBytes(MAX_ANSWER_BYTES));
            }
            if (root == null || !root.has("models")) {
                return down("what answers there is not Ollama (no model list at /api/tags)");
            }
            List<String> models = new ArrayList<>();
            root.path("models").forEach(m -> {
                if (m.path("name").isTextual()) {
                    models.add(m.get("name").asText());
                }
            });
            return new Result(baseUrl, true, models, null);
        } catch (SocketTimeoutException e) {
            return down("no answer within " + TIMEOUT.toMillis() + " ms");
        } catch (ConnectException e) {
            return down("connection refused");
        } catch (IOException e) {
            return down("nothing answers there (" + e.getClass().getSimpleName() + ")");
        } finally {
            if (connection != null) {
                connection.disconnect();
            }
        }
    }

    private Result down(String why) {
        return new Result(baseUrl, false, List.of(), why);
    }
}
