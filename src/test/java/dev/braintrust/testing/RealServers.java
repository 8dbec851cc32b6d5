package dev.braintrust.testing;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What the tests against real hosting software (Debian's OpenSSH server, Apache's git-http-backend)
 * need from the machine: the binaries, and root (to start the daemons and switch to their users).
 * {@code .ci/run} installs the packages and exports {@code BRAIN_TRUST_REAL_SERVERS=required}: there a
 * missing binary fails the test. Elsewhere (a developer's machine without the packages) the test is
 * skipped and says what to install.
 */
public final class RealServers {
    private RealServers() {
    }

    public static boolean required() {
        return "required".equals(System.getenv("BRAIN_TRUST_REAL_SERVERS")) || "true".equals(System.getenv("CI"));
    }

    /** Fails under CI, skips elsewhere, when {@code binary} is missing or the tests do not run as root. */
    public static void need(Path binary, String debianPackage) {
        String problem = !Files.isExecutable(binary) ? binary + " is missing (apt-get install " + debianPackage + ")"
                : !isRoot() ? "the tests do not run as root, which " + binary.getFileName() + " needs to switch users" : null;
        if (problem == null) {
            return;
        }
        if (required()) {
            throw new AssertionError(problem + "; .ci/run installs it and these tests must not be skipped there");
        }
        Assumptions.abort(problem);
    }

    static boolean isRoot() {
        try {
            return "0".equals(run(List.of("id", "-u"), Map.of()).strip());
        } catch (IOException e) {
            return false;
        }
    }

    /** A system user with the given shell and home, created when it does not exist (several test JVMs may race). */
    public static synchronized void ensureUser(String name, Path shell, Path home) throws IOException {
        if (exitCode(List.of("id", "-u", name)) == 0) {
            return;
        }
        int code = exitCode(List.of("useradd", "--system", "--shell", shell.toString(), "--home-dir", home.toString(),
                "--create-home", name));
        if (code != 0 && exitCode(List.of("id", "-u", name)) != 0) {
            throw new IOException("useradd " + name + " failed with exit code " + code);
        }
        // "*": no password can log in, but the account is not locked ("!"), which sshd would refuse outright
        run(List.of("usermod", "-p", "*", name), Map.of());
    }

    /** A folder every user may enter and read (JUnit's temporary folders are private to root). */
    public static Path openFolder(String prefix) throws IOException {
        Path dir = Files.createTempDirectory(prefix);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        return dir.toRealPath();
    }

    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Runs a command to its end and returns its standard output; a non-zero exit is an exception with its output. */
    public static String run(List<String> command, Map<String, String> env) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish in 60 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " exited with " + p.exitValue() + ": " + out);
        }
        return out;
    }

    static int exitCode(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            return p.waitFor(60, TimeUnit.SECONDS) ? p.exitValue() : -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (var all = Files.walk(dir)) {
            List<Path> paths = new ArrayList<>(all.toList());
            java.util.Collections.reverse(paths);
            for (Path p : paths) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a leftover temporary folder is harmless
        }
    }
}
