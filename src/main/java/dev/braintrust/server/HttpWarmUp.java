package dev.braintrust.server;

import dev.braintrust.Secret;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.function.BooleanSupplier;

/**
 * Sends the server, over loopback, the requests a push brings, a few times over: a signed delivery to the
 * webhook (of a push to a branch no server follows, so it is answered 202 and changes nothing) and a read of
 * {@code /api/v1/context}. The sync's own code is warmed elsewhere; this loads and compiles what is around it,
 * Jetty's reading of a request with a body, the routes, the gatekeeper and the JSON answers, which a server
 * otherwise meets cold with its first push. The sync's warm-up sends a short round of them a few times over, on a
 * thread of its own beside its pushes, so that a real push that comes early finds both sides warmed a little.
 * The requests carry a marker only
 * this process knows, so that {@code /metrics} leaves them out. Never throws: a failure only means a slower first push.
 */
final class HttpWarmUp {
    private static final Logger log = LoggerFactory.getLogger(HttpWarmUp.class);
    /** The header with the marker of this process's own warm-up requests. */
    static final String HEADER = "X-Brain-Trust-Warm-Up";
    private static final int TIMEOUT_MS = 5_000;
    private static final byte[] DELIVERY = "{\"ref\":\"refs/heads/brain-trust-warm-up\",\"after\":\"0000000000000000000000000000000000000000\"}"
            .getBytes(StandardCharsets.UTF_8);

    /** Calls so far: the first call's requests are logged at INFO (it shows the warm-up works), the others at DEBUG. */
    private final java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();

    /**
     * Sends {@code rounds} rounds of requests to {@code baseUrl}, stopping early when {@code stop} says so (the
     * server is stopping). The sync's warm-up calls it a few times over beside its pushes, and no more once a real sync came.
     */
    void run(String baseUrl, Secret apiKey, Secret webhookSecret, Secret marker, int rounds, BooleanSupplier stop) {
        long t0 = System.nanoTime();
        int sent = 0;
        java.util.Set<Integer> webhookAnswers = new java.util.TreeSet<>();
        java.util.Set<Integer> contextAnswers = new java.util.TreeSet<>();
        try {
            String signature = webhookSecret == null ? null : "sha256=" + HexFormat.of().formatHex(webhookSecret.newHmacSha256().doFinal(DELIVERY));
            for (int i = 0; i < rounds && !stop.getAsBoolean(); i++) {
                HttpURLConnection post = open(baseUrl + "/api/v1/webhook/sync-context", marker);
                post.setRequestMethod("POST");
                post.setDoOutput(true);
                post.setFixedLengthStreamingMode(DELIVERY.length);
                post.setRequestProperty("Content-Type", "application/json");
                post.setRequestProperty("X-GitHub-Event", "push");
                post.setRequestProperty("X-GitHub-Delivery", "brain-trust-warm-up-" + i);
                if (signature != null) {
                    post.setRequestProperty("X-Hub-Signature-256", signature);
                }
                try (OutputStream out = post.getOutputStream()) {
                    out.write(DELIVERY);
                }
                webhookAnswers.add(finish(post));
                HttpURLConnection get = open(baseUrl + "/api/v1/context", marker);
                if (apiKey != null) {
                    get.setRequestProperty(Gatekeeper.HEADER, apiKey.reveal());
                }
                contextAnswers.add(finish(get));
                sent += 2;
            }
            boolean first = calls.getAndIncrement() == 0;
            String line = "warmed the HTTP side of a push up with {} requests to itself in {} ms (answered: webhook {}, context {}; "
                    + "not counted in /metrics){}";
            Object[] args = {sent, (System.nanoTime() - t0) / 1_000_000, webhookAnswers, contextAnswers,
                    first ? "; a few more rounds follow, beside the sync's warm-up" : ""};
            if (first) {
                log.info(line, args);
            } else {
                log.debug(line, args);
            }
        } catch (IOException | RuntimeException e) {
            log.debug("warming the HTTP side of a push up failed after {} requests (the first push will be slower): {}", sent, e.toString());
        }
    }

    private static HttpURLConnection open(String url, Secret marker) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
        c.setConnectTimeout(TIMEOUT_MS);
        c.setReadTimeout(TIMEOUT_MS);
        c.setUseCaches(false);
        c.setRequestProperty(HEADER, marker.reveal());
        return c;
    }

    /** Reads the answer whole, whatever its status, so the connection can be used again; returns the status. */
    private static int finish(HttpURLConnection c) throws IOException {
        int status = c.getResponseCode();
        try (InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream()) {
            if (in != null) {
                in.readAllBytes();
            }
        }
        return status;
    }
}
