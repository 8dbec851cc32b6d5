package dev.braintrust.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A script under {@code src/test/node} run by Node with the packages {@code .ci/run} installs there
 * ({@code npm ci}): official client libraries nobody here wrote. The script prints one JSON object per
 * line, each with a {@code step}; a missing Node or missing packages fail the test, never skip it.
 */
public final class NodeScript {
    public static final Path DIR = Path.of("src", "test", "node").toAbsolutePath();
    private static final ObjectMapper JSON = new ObjectMapper();

    private NodeScript() {
    }

    /**
     * Runs the script to its end (at most {@code timeoutSeconds}) and returns its lines by step;
     * {@code onLine} sees each line as it comes, so a test can act in the middle (edit a file when
     * the script says it subscribed).
     */
    public static Map<String, JsonNode> run(String script, Map<String, String> env, long timeoutSeconds,
                                            Consumer<JsonNode> onLine, String... args) throws IOException, InterruptedException {
        if (!Files.isDirectory(DIR.resolve("node_modules"))) {
            throw new AssertionError(DIR.resolve("node_modules") + " is missing: run 'npm ci --prefix src/test/node' "
                    + "(.ci/run does) to install the official client libraries these tests drive");
        }
        List<String> command = new ArrayList<>(List.of("node", DIR.resolve(script).toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(DIR.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().putAll(env);
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new AssertionError("cannot start node (" + e.getMessage() + "); install Node.js 20 or later", e);
        }
        Map<String, JsonNode> steps = new LinkedHashMap<>();
        Thread killer = new Thread(() -> {
            try {
                if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException ignored) {
                process.destroyForcibly();
            }
        });
        killer.setDaemon(true);
        killer.start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                JsonNode node;
                try {
                    node = JSON.readTree(line);
                } catch (IOException e) {
                    throw new AssertionError("the script printed something that is not a JSON line: " + line);
                }
                steps.put(node.path("step").asText(), node);
                if (onLine != null) {
                    onLine.accept(node);
                }
            }
        } finally {
            process.waitFor(10, TimeUnit.SECONDS);
            process.destroyForcibly();
        }
        if (steps.containsKey("error")) {
            throw new AssertionError(script + " failed: " + steps.get("error").path("message").asText());
        }
        if (!steps.containsKey("done")) {
            throw new AssertionError(script + " stopped before it was done (exit " + process.exitValue() + "); its steps: " + steps.keySet());
        }
        return steps;
    }
}
