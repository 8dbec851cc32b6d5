package dev.braintrust.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.braintrust.cli.Main;
import dev.braintrust.testing.Poll;
import dev.braintrust.testing.RemoteFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs the start sequence the container and the Kubernetes pod run — {@code sync --once} (the init
 * container), then {@code serve} — as real processes with the image's environment (read from the
 * Dockerfile, with {@code /data} moved to a temporary folder) and secrets given as files, against a
 * bare repository.
 */
class DeploymentStartSequenceTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String API_KEY = "deploy-test-api-key-0123456789";
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final List<Process> started = new ArrayList<>();

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        started.forEach(Process::destroyForcibly);
    }

    /** The final stage's ENV of the Dockerfile, with /data under the test's folder. */
    private Map<String, String> imageEnvironment(Path data) throws IOException {
        Map<String, String> env = new HashMap<>();
        String dockerfile = Files.readString(Path.of("Dockerfile")).replace("\\\n", " ");
        String finalStage = dockerfile.substring(dockerfile.lastIndexOf("\nFROM "));
        Matcher envLine = Pattern.compile("(?m)^ENV (.*)$").matcher(finalStage);
        while (envLine.find()) {
            Matcher pair = Pattern.compile("(\\w+)=(\"[^\"]*\"|\\S+)").matcher(envLine.group(1));
            while (pair.find()) {
                env.put(pair.group(1), pair.group(2).replace("\"", "").replace("/data", data.toString()));
            }
        }
        assertThat(env).containsKeys("PAI_HOME", "BRAIN_TRUST_HOST", "BRAIN_TRUST_PORT", "HOME");
        return env;
    }

    private Map<String, String> containerEnvironment(String gitUrl) throws IOException {
        Path data = Files.createDirectories(dir.resolve("data"));
        Path secrets = Files.createDirectories(dir.resolve("run/secrets/brain-trust"));
        Map<String, String> env = imageEnvironment(data);
        env.put("BRAIN_TRUST_GIT_URL", gitUrl);
        env.put("BRAIN_TRUST_LOG_FORMAT", "json");
        env.put("BRAIN_TRUST_API_KEY_FILE", Files.writeString(secrets.resolve("api-key"), API_KEY + "\n").toString());
        env.put("WEBHOOK_SECRET_FILE", Files.writeString(secrets.resolve("webhook-secret"), "hook-secret\n").toString());
        return env;
    }

    private ProcessBuilder brainTrust(Map<String, String> env, String... args) {
        return brainTrust(env, List.of(), args);
    }

    private ProcessBuilder brainTrust(Map<String, String> env, List<String> jvmOptions, String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().keySet().removeIf(k -> k.startsWith("BRAIN_TRUST_") || k.equals("PAI_HOME") || k.endsWith("_API_KEY"));
        pb.environment().putAll(env);
        return pb;
    }

    private record Finished(int exitCode, String out, String err) {
    }

    private Finished runToEnd(ProcessBuilder pb) throws Exception {
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process p = pb.redirectError(err.toFile()).start();
        started.add(p);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Finished(p.exitValue(), out, Files.readString(err));
    }

    @Test
    void sync_once_then_serve_comes_up_ready_with_the_repository_context() throws Exception {
        RemoteFixture remote = RemoteFixture.create(dir.resolve("git"), "main");
        String head = remote.commitAndPush("my context",
                "context/MISSION.md", "Deployed mission", "context/GOALS.md", "g", "context/BELIEFS.md", "b",
                "workflows/brief.json", "{\"nodes\":[],\"edges\":[]}");
        remote.close();
        Map<String, String> env = containerEnvironment(remote.url());
        env.put("BRAIN_TRUST_PORT", "0"); // the image's 8000 may be taken on a test machine

        Finished init = runToEnd(brainTrust(env, "sync", "--once"));
        assertThat(init.exitCode()).as(init.out() + init.err()).isZero();
        Path home = Path.of(env.get("PAI_HOME"));
        assertThat(home.resolve("context/MISSION.md")).hasContent("Deployed mission");

        Path serveErr = Files.createTempFile(dir, "serve", ".err");
        Process serve = brainTrust(env, "serve").redirectError(serveErr.toFile()).start();
        started.add(serve);
        String line = CompletableFuture.supplyAsync(() -> firstLine(serve)).get(60, TimeUnit.SECONDS);
        Matcher url = Pattern.compile("serving on http://0\\.0\\.0\\.0:(\\d+)").matcher(String.valueOf(line));
        assertThat(url.find()).as(line + Files.readString(serveErr)).isTrue();
        String base = "http://127.0.0.1:" + url.group(1);

        Poll.until(Duration.ofSeconds(60), "ready", () -> status(base + "/ready", null) == 200);
        HttpResponse<String> context = get(base + "/api/v1/context", API_KEY);
        assertThat(context.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(context.body()).path("revision").asText()).isEqualTo(head);
        assertThat(status(base + "/api/v1/context", null)).as("the key is required on 0.0.0.0").isEqualTo(401);
        assertThat(get(base + "/health", null).statusCode()).isEqualTo(200);
        assertThat(status(base + "/api/v1/status", "a-wrong-key-to-be-logged")).isEqualTo(403);

        serve.destroy(); // SIGTERM, as Kubernetes sends
        assertThat(serve.waitFor(30, TimeUnit.SECONDS)).as("stops within the grace period").isTrue();

        List<String> logLines = Files.readAllLines(serveErr).stream().filter(l -> l.startsWith("{")).toList();
        assertThat(logLines).as("JSON log lines").isNotEmpty();
        for (String logLine : logLines) {
            JsonNode event = JSON.readTree(logLine);
            assertThat(event.has("level") && event.has("message")).as(logLine).isTrue();
        }
        assertThat(logLines).anySatisfy(l -> assertThat(l).contains("wrong API key"));
        assertThat(Files.readString(serveErr)).doesNotContain(API_KEY).doesNotContain("hook-secret")
                .doesNotContain("a-wrong-key-to-be-logged");
    }

    @Test
    void startup_fails_fast_with_one_clear_line_when_configuration_is_wrong() throws Exception {
        RemoteFixture remote = RemoteFixture.create(dir.resolve("git"), "main");
        remote.commitAndPush("c", "context/MISSION.md", "m");
        remote.close();

        Map<String, String> unreadableKey = containerEnvironment(remote.url());
        unreadableKey.put("BRAIN_TRUST_API_KEY_FILE", dir.resolve("no-such-secret").toString());
        Finished badKey = runToEnd(brainTrust(unreadableKey, "serve"));
        assertThat(badKey.exitCode()).isEqualTo(2);
        assertThat(errorLines(badKey)).singleElement().asString().contains("BRAIN_TRUST_API_KEY_FILE").contains("no-such-secret");

        Map<String, String> badUrl = containerEnvironment("https://exa mple.com/not a url");
        Finished url = runToEnd(brainTrust(badUrl, "sync", "--once"));
        assertThat(url.exitCode()).isNotZero();
        assertThat(errorLines(url)).singleElement().asString().contains("BRAIN_TRUST_GIT_URL");

        try (ServerSocket taken = new ServerSocket(0)) {
            Map<String, String> env = containerEnvironment(remote.url());
            env.put("BRAIN_TRUST_PORT", String.valueOf(taken.getLocalPort()));
            Finished inUse = runToEnd(brainTrust(env, "serve"));
            assertThat(inUse.exitCode()).isNotZero();
            assertThat(errorLines(inUse)).singleElement().asString().contains(String.valueOf(taken.getLocalPort())).contains("port");
        }
    }

    /** The error a person reads on failure: in JSON mode, the command's own ERROR events (not the libraries' log). */
    private static List<String> errorLines(Finished f) throws IOException {
        List<String> errors = new ArrayList<>();
        for (String line : f.err().lines().filter(l -> !l.isBlank()).toList()) {
            JsonNode event = JSON.readTree(line);
            if (event.path("level").asText().equals("ERROR") && event.path("logger").asText().equals("dev.braintrust.cli.stderr")) {
                errors.add(event.path("message").asText());
            }
        }
        return errors;
    }

    /**
     * The ENTRYPOINT's system properties, with the image's native-library folder replaced by one filled
     * the way the Dockerfile's build stage fills it: the SQLite driver's library for this platform,
     * taken out of its jar.
     */
    private List<String> imageSystemProperties() throws IOException {
        String dockerfile = Files.readString(Path.of("Dockerfile"));
        Matcher entrypoint = Pattern.compile("(?m)^ENTRYPOINT (\\[.*])$").matcher(dockerfile);
        assertThat(entrypoint.find()).isTrue();
        List<String> properties = new ArrayList<>();
        for (JsonNode option : JSON.readTree(entrypoint.group(1))) {
            if (option.asText().startsWith("-D")) {
                properties.add(option.asText());
            }
        }
        Matcher libPath = Pattern.compile("-Dorg\\.sqlite\\.lib\\.path=(\\S+)").matcher(String.join(" ", properties));
        assertThat(libPath.find()).as("the image loads SQLite's library from a folder of its own: " + properties).isTrue();
        Path nativeDir = Files.createDirectories(dir.resolve("image-native"));
        String library = "org/sqlite/native/" + org.sqlite.util.OSInfo.getNativeLibFolderPathForCurrentOS() + "/libsqlitejdbc.so";
        try (var in = org.sqlite.JDBC.class.getClassLoader().getResourceAsStream(library)) {
            assertThat(in).as(library).isNotNull();
            Files.copy(in, nativeDir.resolve("libsqlitejdbc.so"));
        }
        return properties.stream().map(p -> p.replace(libPath.group(1), nativeDir.toString())).toList();
    }

    /** A temporary folder nothing can be written to or loaded from, as Docker's noexec or a read-only /tmp is to sqlite-jdbc. */
    private String unusableTmp() throws IOException {
        return "-Djava.io.tmpdir=" + Files.writeString(dir.resolve("tmp-is-a-file"), "");
    }

    private String startLocalServer(List<String> jvmOptions) throws Exception {
        Map<String, String> env = containerEnvironment(null);
        env.remove("BRAIN_TRUST_GIT_URL");
        env.put("BRAIN_TRUST_PORT", "0");
        Path serveErr = Files.createTempFile(dir, "serve", ".err");
        Process serve = brainTrust(env, jvmOptions, "serve").redirectError(serveErr.toFile()).start();
        started.add(serve);
        String line = CompletableFuture.supplyAsync(() -> firstLine(serve)).get(60, TimeUnit.SECONDS);
        Matcher url = Pattern.compile("serving on http://0\\.0\\.0\\.0:(\\d+)").matcher(String.valueOf(line));
        assertThat(url.find()).as(line + Files.readString(serveErr)).isTrue();
        return "http://127.0.0.1:" + url.group(1);
    }

    @Test
    void with_the_images_jvm_options_the_run_database_opens_where_tmp_is_unusable() throws Exception {
        List<String> options = new ArrayList<>(imageSystemProperties());
        options.add(unusableTmp());
        String base = startLocalServer(options);

        Poll.until(Duration.ofSeconds(60), "ready", () -> status(base + "/ready", null) == 200);
        assertThat(dir.resolve("data/pai/state/brain-trust.db")).isNotEmptyFile();
    }

    @Test
    void without_them_an_unusable_tmp_keeps_the_run_database_closed_and_the_server_unready() throws Exception {
        String base = startLocalServer(List.of(unusableTmp()));

        Poll.until(Duration.ofSeconds(60), "the run database's problem on /ready", () -> {
            try {
                HttpResponse<String> ready = get(base + "/ready", null);
                return ready.statusCode() == 503 && ready.body().contains("database");
            } catch (Exception e) {
                return false;
            }
        });
        assertThat(status(base + "/health", null)).as("alive all the same: /health cannot tell").isEqualTo(200);
    }

    private static String firstLine(Process p) {
        try {
            return new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private HttpResponse<String> get(String url, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
        if (key != null) {
            b.header("X-API-Key", key);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private int status(String url, String key) {
        try {
            return get(url, key).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }
}
