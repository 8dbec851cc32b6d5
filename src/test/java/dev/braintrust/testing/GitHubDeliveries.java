package dev.braintrust.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Webhook deliveries nobody here wrote: GitHub's published example payloads (npm
 * {@code @octokit/webhooks-examples}) signed by GitHub's own library ({@code @octokit/webhooks-methods}),
 * as JSON and form-encoded. The packages are installed from npm ({@code npm ci}, pinned by
 * {@code src/test/node/github-webhooks/package-lock.json}) into {@code target/node/} on first use;
 * {@code src/test/node/github-webhooks/deliveries.mjs} builds and signs the bodies. Fails, never
 * skips, when node or npm is missing.
 */
public final class GitHubDeliveries {
    private static final Path SOURCE = Path.of("src", "test", "node", "github-webhooks");
    private static final Path WORK = Path.of("target", "node", "github-webhooks");

    /** One delivery as GitHub would send it: the body exactly as on the wire and its X-Hub-Signature-256. */
    public record Delivery(String name, String event, String contentType, String body, String signature) {
    }

    private GitHubDeliveries() {
    }

    /** Every delivery the script builds, signed with {@code secret}. */
    public static synchronized List<Delivery> signedWith(String secret) {
        install();
        String out = run(WORK, "node", "deliveries.mjs", secret);
        ObjectMapper json = new ObjectMapper();
        List<Delivery> all = new ArrayList<>();
        for (String line : out.lines().filter(l -> l.startsWith("{")).toList()) {
            try {
                JsonNode n = json.readTree(line);
                all.add(new Delivery(n.get("name").asText(), n.get("event").asText(), n.get("contentType").asText(),
                        n.get("body").asText(), n.get("signature").asText()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        if (all.isEmpty()) {
            throw new AssertionError("deliveries.mjs printed no delivery: " + out);
        }
        return all;
    }

    public static Delivery find(List<Delivery> all, String name, String contentType) {
        return all.stream().filter(d -> d.name().equals(name) && d.contentType().equals(contentType)).findFirst()
                .orElseThrow(() -> new AssertionError("no delivery " + name + " as " + contentType));
    }

    private static void install() {
        try {
            Files.createDirectories(WORK);
            for (String file : List.of("package.json", "package-lock.json", "deliveries.mjs")) {
                Files.copy(SOURCE.resolve(file), WORK.resolve(file), StandardCopyOption.REPLACE_EXISTING);
            }
            if (!Files.isDirectory(WORK.resolve("node_modules/@octokit/webhooks-methods"))
                    || !Files.isDirectory(WORK.resolve("node_modules/@octokit/webhooks-examples"))) {
                run(WORK, "npm", "ci", "--no-audit", "--no-fund", "--loglevel=error");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String run(Path dir, String... command) {
        try {
            Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new AssertionError("'" + String.join(" ", command) + "' failed in " + dir + ": " + out);
            }
            return out;
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command[0] + " (the GitHub webhook tests need node 20+ and npm: "
                    + "apt-get install nodejs npm): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
