package dev.braintrust.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A {@code brain-trust serve} in a child process (through the launcher or not), its URL, its log, its memory. */
public final class ServedProcess implements AutoCloseable {
    private static final Pattern URL = Pattern.compile("serving on (http://[^ ]+:\\d+)");
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    public final Process process;
    public final String url;
    public final Path log;

    private ServedProcess(Process process, String url, Path log) {
        this.process = process;
        this.url = url;
        this.log = log;
    }

    /**
     * Starts {@code serve} (the command should end with {@code serve --port 0}) and waits for the
     * line with its URL.
     *
     * @throws IllegalStateException with the log when the process ends or says nothing within the timeout
     */
    public static ServedProcess start(ProcessBuilder serve, Path log, Duration timeout) throws IOException {
        Process process = serve.redirectError(log.toFile()).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> url = CompletableFuture.supplyAsync(() -> {
            try {
                for (String line; (line = out.readLine()) != null; ) {
                    Matcher m = URL.matcher(line);
                    if (m.find()) {
                        return m.group(1).replace("0.0.0.0", "127.0.0.1");
                    }
                }
                return null;
            } catch (IOException e) {
                return null;
            }
        });
        String found;
        try {
            found = url.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            found = null;
        }
        if (found == null) {
            process.destroyForcibly();
            throw new IllegalStateException("the server did not start (alive: " + process.isAlive() + "); its log:\n"
                    + Files.readString(log));
        }
        CompletableFuture.runAsync(() -> {
            try {
                out.transferTo(java.io.Writer.nullWriter()); // keep reading, so stdout never fills up
            } catch (IOException ignored) {
                // the process ended
            }
        });
        return new ServedProcess(process, found, log);
    }

    public HttpResponse<String> get(String path, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(30));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> post(String path, String body, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json");
        if (headers.length > 0) {
            request.headers(headers);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The status code of {@code GET path}, or -1 when the server does not answer (for polling). */
    public int status(String path) {
        try {
            return get(path).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** The resident memory of the process now, in KiB (Linux). */
    public long rssKiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return -1;
    }

    public String logText() throws IOException {
        return Files.readString(log);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
