package dev.braintrust.testing;

import dev.braintrust.cli.Main;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * Runs the real launcher script {@code ./brain-trust} in a child process, with its JVM options
 * ({@code -Xmx128m} ...) and its handling of the environment, over this build's classes: a copy of
 * the script in a folder whose {@code target/brain-trust.jar} is a jar holding only a manifest,
 * whose class path is the test's (so nothing is packaged, and the launcher never builds).
 */
public final class Launcher {
    private final Path script;

    private Launcher(Path script) {
        this.script = script;
    }

    /** Installs the launcher and its jar under {@code dir}. */
    public static Launcher install(Path dir) {
        try {
            Path root = Files.createDirectories(dir.resolve("launcher"));
            Path script = root.resolve("brain-trust");
            Files.copy(Path.of("brain-trust"), script, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
            Path handOver = Files.createDirectories(root.resolve("deploy")).resolve("hand-over-secrets.sh"); // the launcher sources it
            Files.copy(Path.of("deploy", "hand-over-secrets.sh"), handOver, StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.COPY_ATTRIBUTES);
            Manifest manifest = new Manifest();
            manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
            manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, Main.class.getName());
            List<String> classPath = new ArrayList<>();
            for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
                classPath.add(Path.of(entry).toAbsolutePath().toUri().toString());
            }
            manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, String.join(" ", classPath));
            Path jar = Files.createDirectories(root.resolve("target")).resolve("brain-trust.jar");
            try (OutputStream out = Files.newOutputStream(jar); JarOutputStream ignored = new JarOutputStream(out, manifest)) {
                // the manifest is the whole jar
            }
            return new Launcher(script);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * {@code ./brain-trust args...} with only PATH, HOME and {@code env} in its environment (no
     * class-data archive, so that nothing is recorded).
     */
    public ProcessBuilder command(Path home, Map<String, String> env, String... args) {
        List<String> command = new ArrayList<>(List.of(script.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().clear();
        pb.environment().put("PATH", Path.of(System.getProperty("java.home"), "bin") + ":/usr/local/bin:/usr/bin:/bin");
        pb.environment().put("HOME", home.toString());
        pb.environment().put("BRAIN_TRUST_CDS", "off");
        pb.environment().putAll(env);
        return pb;
    }
}
