package dev.braintrust.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server for tests. Uses {@code BRAIN_TRUST_TEST_PG_URL} (with
 * {@code BRAIN_TRUST_TEST_PG_USER} and {@code BRAIN_TRUST_TEST_PG_PASSWORD}) when set; otherwise
 * starts a throwaway cluster from the installed PostgreSQL binaries ({@code initdb}, {@code pg_ctl})
 * on a free loopback port in a temporary folder, stopped when the JVM exits. As root, the cluster
 * runs as the {@code postgres} user (PostgreSQL refuses to run as root). Each caller gets its own
 * fresh schema. Fails — never skips — when neither is possible.
 */
public final class TestPostgres {
    /** Where a test's schema is and how to log in. */
    public record Database(String url, String user, String password) {
    }

    private record Server(String url, String user, String password) {
    }

    private static final AtomicInteger SCHEMAS = new AtomicInteger();
    private static Server server;

    private TestPostgres() {
    }

    /** A new, empty schema on the test server. */
    public static synchronized Database freshDatabase() {
        if (server == null) {
            server = start();
        }
        String schema = "t" + ProcessHandle.current().pid() + "_" + SCHEMAS.incrementAndGet();
        try (Connection c = DriverManager.getConnection(server.url(), server.user(), server.password());
             Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        } catch (SQLException e) {
            throw new AssertionError("cannot create a schema on the test PostgreSQL server " + server.url() + ": " + e.getMessage(), e);
        }
        String separator = server.url().contains("?") ? "&" : "?";
        return new Database(server.url() + separator + "currentSchema=" + schema, server.user(), server.password());
    }

    private static Server start() {
        String url = System.getenv("BRAIN_TRUST_TEST_PG_URL");
        if (url != null && !url.isBlank()) {
            return new Server(url, System.getenv("BRAIN_TRUST_TEST_PG_USER"), System.getenv("BRAIN_TRUST_TEST_PG_PASSWORD"));
        }
        Path bin = findBinaries().orElseThrow(() -> new AssertionError(
                "the PostgreSQL tests need a PostgreSQL server: install one with 'apt-get install postgresql' "
                        + "(its initdb and pg_ctl are then found in /usr/lib/postgresql/*/bin), "
                        + "or set BRAIN_TRUST_TEST_PG_URL (and BRAIN_TRUST_TEST_PG_USER, BRAIN_TRUST_TEST_PG_PASSWORD)"));
        try {
            Path dir = Files.createTempDirectory("brain-trust-pg-");
            List<String> asUser = new ArrayList<>();
            if ("root".equals(System.getProperty("user.name"))) {
                UserPrincipal postgres = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
                Files.setOwner(dir, postgres);
                asUser.addAll(List.of("runuser", "-u", "postgres", "--"));
            }
            Path data = dir.resolve("data");
            int port;
            try (ServerSocket socket = new ServerSocket(0)) {
                port = socket.getLocalPort();
            }
            exec(asUser, bin.resolve("initdb").toString(), "-D", data.toString(), "-U", "brain", "-A", "trust",
                    "-E", "UTF8", "--locale=C", "--no-sync");
            exec(asUser, bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", dir.resolve("server.log").toString(),
                    "-w", "-t", "60", "-o", "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off", "start");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    exec(asUser, bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "immediate", "-w", "stop");
                } catch (RuntimeException ignored) {
                    // the JVM is exiting; nothing more to do
                }
                deleteQuietly(dir);
            }));
            return new Server("jdbc:postgresql://127.0.0.1:" + port + "/postgres", "brain", null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Optional<Path> findBinaries() {
        String path = System.getenv("PATH");
        List<Path> candidates = new ArrayList<>();
        if (path != null) {
            Arrays.stream(path.split(":")).filter(s -> !s.isEmpty()).map(Path::of).forEach(candidates::add);
        }
        try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
            versions.sorted(Comparator.reverseOrder()).map(v -> v.resolve("bin")).forEach(candidates::add);
        } catch (IOException ignored) {
            // no Debian PostgreSQL packages
        }
        return candidates.stream()
                .filter(d -> Files.isExecutable(d.resolve("initdb")) && Files.isExecutable(d.resolve("pg_ctl")))
                .map(d -> d.resolve("initdb").toAbsolutePath())
                .map(TestPostgres::realParent)
                .findFirst();
    }

    private static Path realParent(Path file) {
        try {
            return file.toRealPath().getParent();
        } catch (IOException e) {
            return file.getParent();
        }
    }

    private static void exec(List<String> prefix, String... command) {
        List<String> argv = new ArrayList<>(prefix);
        argv.addAll(List.of(command));
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            p.getOutputStream().close();
            byte[] output = p.getInputStream().readAllBytes();
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new AssertionError("'" + String.join(" ", argv) + "' failed: " + new String(output));
            }
        } catch (IOException e) {
            throw new AssertionError("cannot run " + argv.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort in a shutdown hook
        }
    }
}
