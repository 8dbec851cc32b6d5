package dev.braintrust.testing;

import dev.braintrust.BrainTrust;
import dev.braintrust.Config;
import dev.braintrust.home.PaiHome;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;

/** A real home folder for tests: the bundled examples plus context whose text the tests look for. */
public final class TestHome {
    public static final String MISSION = "Help Ada Lovelace publish a field guide to analytical engines.";
    public static final String BELIEFS = "Cite primary sources. Never invent a quotation.";
    public static final String GOALS = "Finish chapter three by March.";

    private TestHome() {
    }

    /** Initialises a home in {@code dir} and writes known TELOS files. */
    public static Path create(Path dir) {
        new PaiHome(dir).init();
        try {
            Files.writeString(dir.resolve("context/MISSION.md"), MISSION + "\n");
            Files.writeString(dir.resolve("context/BELIEFS.md"), BELIEFS + "\n");
            Files.writeString(dir.resolve("context/GOALS.md"), GOALS + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    /** Adds an executable skill script to the home. */
    public static void skill(Path home, String fileName, String script) {
        try {
            Path file = home.resolve("skills").resolve(fileName);
            Files.writeString(file, script);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Removes the example skills, so a test offers exactly the tools it adds. */
    public static void noSkills(Path home) {
        try (var files = Files.list(home.resolve("skills"))) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Map<String, String> env(Path home, LlmStandIn llm, Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(llm == null ? Map.of() : llm.env());
        env.put("PAI_HOME", home.toString());
        env.put("HOME", home.toString());
        env.put("BRAIN_TRUST_MODEL_RETRY_BACKOFF", "20ms");
        env.putAll(extra);
        return env;
    }

    public static Config config(Path home, LlmStandIn llm, Map<String, String> extra) {
        return Config.fromEnv(env(home, llm, extra));
    }

    public static BrainTrust open(Path home, LlmStandIn llm, Map<String, String> extra) {
        return BrainTrust.open(config(home, llm, extra));
    }
}
