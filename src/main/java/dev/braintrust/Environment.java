package dev.braintrust;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The variables the program was started with, for the few that are handed on to a skill (those its
 * header declares). Its {@link #toString()} never shows a value.
 *
 * <p>The launcher {@code ./brain-trust} keeps secrets out of the server's process environment,
 * which other processes of the same user can read ({@code /proc/<pid>/environ}): it starts the JVM
 * with a short list of harmless variables and hands every other one over a pipe, whose file
 * descriptor it names in {@value #HANDOVER_FD}. {@link #ofProcess()} reads that pipe once.
 */
public final class Environment {
    /** Names the file descriptor of the pipe the launcher hands the other variables over. */
    public static final String HANDOVER_FD = "BRAIN_TRUST_ENV_FD";
    /** The largest hand-over read, and the largest {@code *_FILE} a skill variable is read from. */
    static final int MAX_BYTES = 1024 * 1024;
    private static final int MAX_FILE_VALUE = 64 * 1024;

    private static Map<String, String> processVariables;
    private final Map<String, String> variables;

    private Environment(Map<String, String> variables) {
        this.variables = Map.copyOf(variables);
    }

    public static Environment of(Map<String, String> variables) {
        Map<String, String> copy = new HashMap<>();
        variables.forEach((k, v) -> {
            if (k != null && v != null) {
                copy.put(k, v);
            }
        });
        return new Environment(copy);
    }

    /**
     * The process environment, with the variables the launcher handed over a pipe added.
     *
     * @throws BrainTrustException.BadConfig when {@value #HANDOVER_FD} names a descriptor that cannot be read
     */
    public static synchronized Map<String, String> ofProcess() {
        if (processVariables == null) {
            processVariables = Map.copyOf(readProcess());
        }
        return processVariables;
    }

    private static Map<String, String> readProcess() {
        Map<String, String> env = new HashMap<>(System.getenv());
        String fd = env.remove(HANDOVER_FD);
        if (fd != null && fd.matches("\\d{1,4}")) {
            env.putAll(readHandover(Path.of("/dev/fd/" + fd)));
        }
        return env;
    }

    /** Reads NUL-separated {@code NAME=value} entries, the format of {@code env -0} and of {@code /proc/<pid>/environ}. */
    static Map<String, String> readHandover(Path pipe) {
        byte[] bytes;
        try (InputStream in = Files.newInputStream(pipe)) {
            bytes = in.readNBytes(MAX_BYTES + 1);
        } catch (IOException e) {
            throw new BrainTrustException.BadConfig("the launcher's variables cannot be read from " + pipe + " ("
                    + e.getClass().getSimpleName() + "); start the program with ./brain-trust, or unset " + HANDOVER_FD, e);
        }
        if (bytes.length > MAX_BYTES) {
            throw new BrainTrustException.BadConfig("the launcher handed over more than 1 MiB of environment variables");
        }
        Map<String, String> env = new HashMap<>();
        for (String entry : new String(bytes, StandardCharsets.UTF_8).split("\0")) {
            int eq = entry.indexOf('=');
            if (eq > 0) {
                env.put(entry.substring(0, eq), entry.substring(eq + 1));
            }
        }
        return env;
    }

    /** The names of every variable. */
    public java.util.Set<String> names() {
        return variables.keySet();
    }

    /** The value of a variable as given, or null. */
    public String get(String name) {
        return variables.get(name);
    }

    /**
     * The value of {@code name}, else the content of the file named by {@code name_FILE} (read now,
     * at most 64 KiB, a final line break removed); empty when neither is set or the file cannot be read.
     */
    public Optional<String> valueOrFile(String name) {
        String value = variables.get(name);
        if (value != null) {
            return Optional.of(value);
        }
        String file = variables.get(name + "_FILE");
        if (file == null || file.isBlank()) {
            return Optional.empty();
        }
        Path path = Path.of(file.strip());
        if (!Files.isRegularFile(path)) {
            return Optional.empty(); // a pipe would block the run, a folder has no value
        }
        try (InputStream in = Files.newInputStream(path)) {
            String text = new String(in.readNBytes(MAX_FILE_VALUE), StandardCharsets.UTF_8);
            return Optional.of(text.endsWith("\r\n") ? text.substring(0, text.length() - 2)
                    : text.endsWith("\n") ? text.substring(0, text.length() - 1) : text);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    @Override
    public String toString() {
        return "Environment[" + variables.size() + " variables]";
    }
}
