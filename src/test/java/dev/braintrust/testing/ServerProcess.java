package dev.braintrust.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code brain-trust serve} in a child JVM started with the launcher's own JVM options (read from
 * {@code ./brain-trust}, so {@code -Xmx128m} and the serial GC are what the test gets): memory and
 * resource attacks are tried against the heap a user's server has, not Surefire's.
 */
public final class ServerProcess implements AutoCloseable {
    private static final Pattern URL = Pattern.compile("serving on (http://[^ ]+:(\\d+))");
    private static final Pattern DEFAULT_OPTS = Pattern.compile("default_opts=\"([^\"]*)\"");
    private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");

    public final Process process;
    public final Path stderrFile;
    public final String url;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private ServerProcess(Process process, Path stderrFile, String url) {
        this.process = process;
        this.stderrFile = stderrFile;
        this.url = url;
    }

    /** The JVM options {@code ./brain-trust} uses when BRAIN_TRUST_JAVA_OPTS is unset. */
    public static List<String> launcherJvmOptions() {
        Path script = Path.of(System.getProperty("user.dir"), "brain-trust");
        try {
            Matcher m = DEFAULT_OPTS.matcher(Files.readString(script));
            if (!m.find()) {
                throw new AssertionError("no default_opts=\"...\" line in " + script);
            }
            return Arrays.stream(m.group(1).trim().split("\\s+")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Starts {@code serve --port 0} over {@code home} with the launcher's JVM options, a clean
     * environment (no BRAIN_TRUST_ variable but those given) and waits until it prints its URL.
     * With the system property {@code bench.launcher} (the benches), through the launcher itself,
     * as a user starts it: its jar, options and class-data archive.
     */
    public static ServerProcess start(Path home, Map<String, String> env, String... extraServeArgs) {
        List<String> command = new ArrayList<>();
        String launcher = System.getProperty("bench.launcher");
        if (launcher != null) {
            command.add(launcher);
        } else {
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(launcherJvmOptions());
            command.add("-cp");
            command.add(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
            command.add("dev.braintrust.cli.Main");
        }
        command.addAll(List.of("serve", "--host", "127.0.0.1", "--port", "0"));
        command.addAll(List.of(extraServeArgs));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().keySet().removeIf(k -> (k.startsWith("BRAIN_TRUST_") && !k.equals("BRAIN_TRUST_CDS")) || k.equals("PAI_HOME")
                || k.equals("WEBHOOK_SECRET") || k.endsWith("_API_KEY"));
        pb.environment().put("PAI_HOME", home.toString());
        pb.environment().putAll(env);
        try {
            Files.createDirectories(home.getParent());
            Path stderr = Files.createTempFile(home.getParent(), "serve-", ".err");
            pb.redirectError(stderr.toFile());
            Process p = pb.start();
            CompletableFuture<String> firstLine = CompletableFuture.supplyAsync(() -> {
                try {
                    return new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            String line;
            try {
                line = firstLine.get(90, TimeUnit.SECONDS);
            } catch (Exception e) {
                p.destroyForcibly();
                throw new AssertionError("the server did not print its URL; stderr: " + Files.readString(stderr), e);
            }
            Matcher m = URL.matcher(String.valueOf(line));
            if (!m.find()) {
                p.destroyForcibly();
                throw new AssertionError("first line of stdout: " + line + "; stderr: " + Files.readString(stderr));
            }
            return new ServerProcess(p, stderr, m.group(1));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public long pid() {
        return process.pid();
    }

    public String stderr() {
        try {
            return Files.readString(stderrFile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stderr once it contains {@code marker}, or as it is when the deadline passes. */
    public String stderrUntil(String marker, Duration deadline) throws InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        while (!stderr().contains(marker) && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        return stderr();
    }

    public HttpResponse<String> get(String path, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(30));
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Milliseconds one {@code GET /health} took, or -1 when it failed. */
    public long healthMillis() {
        long t0 = System.nanoTime();
        try {
            HttpResponse<String> r = get("/health");
            return r.statusCode() == 200 ? (System.nanoTime() - t0) / 1_000_000 : -1;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** Heap in use right after a full collection (jcmd GC.run, then GC.heap_info), in bytes. */
    public long heapUsedAfterGc() {
        jcmd("GC.run");
        String info = jcmd("GC.heap_info");
        long kib = 0;
        Matcher m = HEAP_USED.matcher(info);
        int found = 0;
        while (m.find() && found < 2) { // the young and the old generation (Metaspace lines come after)
            kib += Long.parseLong(m.group(1));
            found++;
        }
        if (found < 2) {
            throw new AssertionError("unexpected GC.heap_info output: " + info);
        }
        return kib * 1024;
    }

    /** The number of live threads whose name contains {@code part} (jcmd Thread.print). */
    public long threadsNamed(String part) {
        return jcmd("Thread.print").lines().filter(l -> l.startsWith("\"") && l.substring(0, l.indexOf('"', 1) + 1).contains(part))
                .count();
    }

    /** Resident set size in bytes, from /proc. */
    public long rssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new AssertionError("no VmRSS for " + pid());
    }

    private String jcmd(String what) {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        try {
            Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid()), what).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new AssertionError("jcmd " + what + " failed: " + new String(out, StandardCharsets.UTF_8));
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** SIGTERM, then waits for the process to end; returns whether it ended within {@code deadline}. */
    public boolean terminate(Duration deadline) throws InterruptedException {
        process.destroy();
        return process.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
