package dev.braintrust.cli;

import dev.braintrust.home.PaiHome;
import dev.braintrust.testing.Poll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

class ServeCommandTest {
    static final Pattern URL = Pattern.compile("serving on (http://127\\.0\\.0\\.1:(\\d+))");
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    final List<Process> started = new ArrayList<>();

    @AfterEach
    void killLeftovers() {
        started.forEach(Process::destroyForcibly);
    }

    @Test
    void serve_on_every_interface_without_a_key_exits_2_saying_how_to_set_one(@TempDir Path dir) {
        Path home = dir.resolve("home");
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine(Map.of("PAI_HOME", home.toString()));
        cli.setOut(new PrintWriter(new StringWriter()));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute("serve", "--host", "0.0.0.0", "--port", "0");
        assertThat(code).isEqualTo(Main.BAD_INPUT);
        assertThat(err.toString()).contains("refusing to listen on 0.0.0.0").contains("BRAIN_TRUST_API_KEY");
        assertThat(home).doesNotExist();
    }

    @Test
    void serve_initialises_a_missing_home_prints_its_url_answers_and_stops_on_sigterm(@TempDir Path dir) throws Exception {
        Path home = dir.resolve("new-home");
        Child child = serve(home, Map.of());
        assertThat(child.stderrUntil("Created a new Brain Trust home", 10)).contains(home.toString());
        assertThat(PaiHome.SYNCED_FOLDERS).allSatisfy(f -> assertThat(home.resolve(f)).isDirectory());
        HttpResponse<String> health = get(child.url + "/health");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(get(child.url + "/api/v1/context").body()).contains("MISSION.md");

        child.process.destroy(); // SIGTERM
        assertThat(child.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(child.process.exitValue()).isIn(0, 143);
        assertThat(child.stderrUntil("Stopped.", 5)).contains("Stopped.");
    }

    @Test
    void serve_in_cloud_mode_clones_into_an_empty_home_and_becomes_ready(@TempDir Path dir) throws Exception {
        dev.braintrust.testing.RemoteFixture remote = dev.braintrust.testing.RemoteFixture.create(dir, "main");
        String head = remote.commitAndPush("first", "context/MISSION.md", "m", "context/GOALS.md", "g", "context/BELIEFS.md", "b");
        remote.close();
        Path home = dir.resolve("cloud-home");
        Child child = serve(home, Map.of("BRAIN_TRUST_GIT_URL", remote.url(), "HOME", dir.toString()));
        dev.braintrust.testing.Poll.until(java.time.Duration.ofSeconds(60), "ready", () -> {
            try {
                return get(child.url + "/ready").statusCode() == 200;
            } catch (Exception e) {
                return false;
            }
        });
        assertThat(get(child.url + "/api/v1/context").body()).contains("\"revision\":\"" + head + "\"");
        assertThat(home.resolve("skills/word_count.sh")).as("a clone, not the examples").doesNotExist();
        assertThat(get(child.url + "/api/v1/status").body()).contains("\"lastOutcome\":\"updated\"");
        assertThat(child.stderr()).as("a healthy first start warns of nothing")
                .contains("cloning " + remote.url() + " (first start)").doesNotContain("WARN");
        child.process.destroy(); // SIGTERM
        assertThat(child.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void sigterm_lets_a_request_in_flight_finish(@TempDir Path dir) throws Exception {
        Path home = dir.resolve("home");
        new PaiHome(home).init();
        Path started = dir.resolve("started");
        Path release = dir.resolve("release");
        Path script = home.resolve("skills/wait_for.sh");
        Files.writeString(script, """
                #!/bin/sh
                # NAME: wait_for
                # PARAM: started (str) - a file to create once running
                # PARAM: release (str) - a file whose appearance lets the skill finish
                touch "$1"
                while [ ! -e "$2" ]; do sleep 0.02; done
                echo finished after release
                """);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        Child child = serve(home, Map.of());

        String body = "{\"args\":{\"started\":\"" + started + "\",\"release\":\"" + release + "\"}}";
        CompletableFuture<HttpResponse<String>> inFlight = http.sendAsync(HttpRequest.newBuilder(URI.create(child.url + "/api/v1/skills/wait_for/run"))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        Poll.until(Duration.ofSeconds(20), "the skill has started", () -> Files.exists(started));
        child.process.destroy(); // SIGTERM while the skill runs
        assertThat(child.stderrUntil("Stopping", 10)).contains("Stopping");
        Poll.until(Duration.ofSeconds(10), "the server stops accepting requests", () -> !answers(child.url + "/health"));
        assertThat(child.process.isAlive()).as("the server waits for the request in flight").isTrue();
        Files.writeString(release, "go");

        HttpResponse<String> response = inFlight.get(20, TimeUnit.SECONDS);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("finished after release").contains("\"ok\":true");
        assertThat(child.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(child.stderrUntil("Stopped.", 5)).contains("Stopped.");
    }

    @Test
    void serve_warns_at_start_when_the_default_model_cannot_run_listing_the_ways_to_fix_it(@TempDir Path dir) throws Exception {
        String closed;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            closed = "http://127.0.0.1:" + socket.getLocalPort();
        }
        Child child = serve(dir.resolve("home"), Map.of("OLLAMA_BASE_URL", closed));
        String err = child.stderrUntil("or run Ollama locally", 20);
        assertThat(err).contains("warning: agents that name no model cannot run: the default model gpt-4o-mini needs OpenAI, "
                        + "which has no key. To fix it:")
                .contains("  - Set OPENAI_API_KEY (or OPENAI_BASE_URL for an OpenAI-compatible server)")
                .contains("  - or set ANTHROPIC_API_KEY and BRAIN_TRUST_DEFAULT_MODEL=claude-sonnet-4-5")
                .contains("  - or run Ollama locally ('ollama pull llama3.2') and set BRAIN_TRUST_DEFAULT_MODEL=ollama:llama3.2");
        assertThat(get(child.url + "/health").statusCode()).isEqualTo(200);
        child.process.destroy();
        assertThat(child.process.waitFor(30, TimeUnit.SECONDS)).isTrue();

        Child withKey = serve(dir.resolve("home"), Map.of("OLLAMA_BASE_URL", closed, "OPENAI_API_KEY", "sk-test"));
        assertThat(get(withKey.url + "/health").statusCode()).isEqualTo(200);
        withKey.process.destroy();
        assertThat(withKey.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(withKey.stderr()).doesNotContain("warning").doesNotContain("sk-test");
    }

    @Test
    void serve_on_a_port_in_use_prints_only_the_message_saying_what_to_do(@TempDir Path dir) throws Exception {
        Path home = dir.resolve("home");
        new PaiHome(home).init();
        try (java.net.ServerSocket busy = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            ProcessBuilder pb = brainTrust(home, Map.of("OPENAI_API_KEY", "sk-test"), "serve", "--port",
                    Integer.toString(busy.getLocalPort()));
            pb.redirectErrorStream(true);
            Process p = pb.start();
            started.add(p);
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isEqualTo(Main.FAILED);
            assertThat(output.strip()).startsWith("error: cannot listen on 127.0.0.1:" + busy.getLocalPort())
                    .contains("choose another port with --port or BRAIN_TRUST_PORT");
            assertThat(output).doesNotContain("ERROR").doesNotContain("Failed to start Javalin").doesNotContain("\tat ");
            assertThat(output.strip().lines()).hasSize(1);
        }
    }

    @Test
    void a_running_server_records_itself_in_its_home_and_a_second_one_refuses_naming_the_first(@TempDir Path dir) throws Exception {
        Path home = dir.resolve("home");
        Child first = serve(home, Map.of());
        Path record = home.resolve("state/server.json");
        Poll.until(Duration.ofSeconds(10), "state/server.json", () -> Files.exists(record));
        var json = dev.braintrust.Json.mapper().readTree(Files.readString(record));
        assertThat(json.path("url").asText()).isEqualTo(first.url);
        assertThat(json.path("pid").asLong()).isEqualTo(first.process.pid());
        assertThat(json.path("mode").asText()).isEqualTo("local");
        assertThat(java.time.Instant.parse(json.path("started").asText())).isBefore(java.time.Instant.now());

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder second = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "serve", "--port", "0").redirectErrorStream(true);
        second.environment().put("PAI_HOME", home.toString());
        Process p = second.start();
        started.add(p);
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(output).isEqualTo(Main.BAD_INPUT);
        assertThat(output).startsWith("error: another Brain Trust server is serving " + home)
                .contains(first.url + " (pid " + first.process.pid() + ", local mode, since ")
                .contains("kill " + first.process.pid());
        assertThat(get(first.url + "/health").statusCode()).as("the first one serves on").isEqualTo(200);

        first.process.destroy();
        assertThat(first.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(record).as("removed when the server stops").doesNotExist();
    }

    @Test
    void sync_and_status_ask_the_server_of_this_home_not_whatever_answers_on_the_port(@TempDir Path dir) throws Exception {
        dev.braintrust.testing.RemoteFixture remote = dev.braintrust.testing.RemoteFixture.create(dir.resolve("repo"), "main");
        remote.commitAndPush("first", "context/MISSION.md", "m", "context/GOALS.md", "g", "context/BELIEFS.md", "b");
        Path home = dir.resolve("cloud-home");
        Child ours = serve(home, Map.of("BRAIN_TRUST_GIT_URL", remote.url(), "HOME", dir.toString(),
                "WEBHOOK_SECRET", "s3cret", "BRAIN_TRUST_SYNC_INTERVAL", "0"));
        Poll.until(Duration.ofSeconds(60), "our server is ready", () -> status(ours.url + "/ready") == 200);
        Path otherHome = dir.resolve("other-home");
        Child other = serve(otherHome, Map.of());
        int otherPort = Integer.parseInt(other.url.substring(other.url.lastIndexOf(':') + 1));
        String next = remote.commitAndPush("second", "context/GOALS.md", "g2");
        remote.close();

        // the shell of this home: no BRAIN_TRUST_GIT_URL, no WEBHOOK_SECRET, and a port where another home's server answers
        Map<String, String> shell = Map.of("PAI_HOME", home.toString(), "HOME", dir.toString(),
                "BRAIN_TRUST_PORT", String.valueOf(otherPort));
        CliRun sync = CliRun.run(shell, "sync");
        assertThat(sync.exitCode()).as(sync.err()).isZero();
        assertThat(sync.out()).startsWith("Asked the server of this home at " + ours.url + " (pid " + ours.process.pid()
                + ", cloud mode, since ").contains(" -> " + next + ", 1 path changed");
        assertThat(get(ours.url + "/api/v1/context").body()).contains(next);

        CliRun status = CliRun.run(shell, "status");
        assertThat(status.exitCode()).as(status.err()).isZero();
        assertThat(status.out())
                .contains("Server:      the server of this home at " + ours.url)
                .contains("Mode:        cloud — the source of truth is the git repository " + remote.url())
                .contains("periodic:  off (BRAIN_TRUST_SYNC_INTERVAL=0)")
                .contains("webhook:   on")
                .contains("Context:     revision " + next);

        CliRun elsewhere = CliRun.run(shell, "status", "--url", other.url);
        assertThat(elsewhere.out()).contains("Server:      the server at " + other.url + " (--url)")
                .contains("Mode:        local — the source of truth is the folder " + otherHome);

        ours.process.destroy();
        assertThat(ours.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        CliRun offline = CliRun.run(shell, "status");
        assertThat(offline.out()).as("a mirror is never described as a local home")
                .contains("Server:      none runs on this home")
                .contains("Mode:        cloud — the source of truth is the git repository " + remote.url() + " (branch main)")
                .contains("Context:     revision " + next);
        CliRun direct = CliRun.run(shell, "sync");
        assertThat(direct.exitCode()).as(direct.err()).isZero();
        assertThat(direct.out()).startsWith("No server runs on this home; synced it directly. Up to date with " + remote.url());
        other.process.destroy();
    }

    // --- a real child process ------------------------------------------------------------------

    /** A {@code brain-trust serve} child process; its stderr goes to a file read as it grows. */
    final class Child {
        final Process process;
        final Path stderrFile;
        final String url;

        Child(Process process, Path stderrFile) throws Exception {
            this.process = process;
            this.stderrFile = stderrFile;
            CompletableFuture<String> firstLine = CompletableFuture.supplyAsync(() -> {
                try {
                    return new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)).readLine();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            String line = firstLine.get(60, TimeUnit.SECONDS);
            Matcher m = URL.matcher(String.valueOf(line));
            assertThat(m.find()).as("first line of stdout: %s; stderr: %s", line, stderr()).isTrue();
            this.url = m.group(1);
        }

        String stderr() throws IOException {
            return Files.readString(stderrFile);
        }

        /** Stderr, once it contains {@code marker} or the deadline has passed. */
        String stderrUntil(String marker, int seconds) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (!stderr().contains(marker) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            return stderr();
        }
    }

    Child serve(Path home, Map<String, String> env) throws Exception {
        ProcessBuilder pb = brainTrust(home, env, "serve", "--port", "0");
        Path stderr = Files.createTempFile(home.getParent(), "serve-", ".err");
        pb.redirectError(stderr.toFile());
        Process p = pb.start();
        started.add(p);
        return new Child(p, stderr);
    }

    /** {@code brain-trust <args>} as a child JVM, with none of this machine's Brain Trust or provider settings. */
    static ProcessBuilder brainTrust(Path home, Map<String, String> env, String... args) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(java, "-cp", classpath, Main.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().keySet().removeIf(k -> k.startsWith("BRAIN_TRUST_") || k.equals("PAI_HOME")
                || k.endsWith("_API_KEY") || k.endsWith("_BASE_URL"));
        pb.environment().put("PAI_HOME", home.toString());
        pb.environment().putAll(env);
        return pb;
    }

    HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    int status(String url) {
        try {
            return get(url).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    boolean answers(String url) {
        try {
            get(url);
            return true;
        } catch (Exception e) {
            return false;
        }
    }
}
