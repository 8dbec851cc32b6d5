package dev.braintrust.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.braintrust.BrainTrustException;
import dev.braintrust.Json;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The server of a home, as {@code state/server.json} records it while it runs: where it listens,
 * its process, its mode and since when. The CLI reads it to talk to the server of <em>this</em> home
 * (not whatever answers on a port), and a second server refuses to start on a home that has one.
 *
 * <p>A running server holds an operating-system lock on {@code state/server.lock}, which dies with its
 * process: a record whose lock nobody holds is left over from a crash and means no server.
 *
 * @param url     the base URL clients use, e.g. {@code http://127.0.0.1:8000}
 * @param pid     the server's process id
 * @param mode    {@code local} or {@code cloud}
 * @param started when it started listening
 * @param source  the source of truth, in words (a folder, or a repository and branch), never a credential
 */
public record ServerRecord(String url, long pid, String mode, Instant started, String source) {
    static final String FILE = "server.json";
    static final String LOCK = "server.lock";
    /** Homes whose server runs in this process (tests run several servers in one JVM); see {@link #lockHeld}. */
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

    /** One line for messages: {@code http://127.0.0.1:8000 (pid 4242, cloud mode, since 2026-12-01T09:00:00)}. */
    public String describe() {
        return url + " (pid " + pid + ", " + mode + " mode, since "
                + DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(started.atZone(ZoneId.systemDefault()).withNano(0)) + ")";
    }

    /**
     * The server of this home, if one runs now: its record, when its lock is held. A record left by
     * a server that was killed is ignored.
     */
    public static Optional<ServerRecord> running(Path home) {
        Path state = home.toAbsolutePath().normalize().resolve("state");
        ServerRecord record;
        try {
            record = Json.mapper().readValue(Files.readAllBytes(state.resolve(FILE)), ServerRecord.class);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // half-written or damaged: the server that writes it again is the one to trust
        }
        return lockHeld(state) ? Optional.of(record) : Optional.empty();
    }

    private static boolean lockHeld(Path state) {
        Path lock = state.resolve(LOCK);
        if (HELD.contains(lock)) {
            return true;
        }
        if (!Files.exists(lock)) {
            return false;
        }
        // Nobody in this process holds it, so trying it cannot drop a lock of ours (closing a channel drops them all).
        try (FileChannel channel = FileChannel.open(lock, StandardOpenOption.READ)) {
            FileLock probe = channel.tryLock(0, Long.MAX_VALUE, true); // shared: a user who may only read the home can ask too
            if (probe == null) {
                return true;
            }
            probe.release();
            return false;
        } catch (OverlappingFileLockException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Takes the home for a server, before anything is opened: the lock is held until {@link Claim#close()}.
     *
     * @throws BrainTrustException.BadConfig when another server runs on this home, naming its pid and URL
     */
    public static Claim claim(Path home) {
        Path state = home.toAbsolutePath().normalize().resolve("state");
        Path lockFile = state.resolve(LOCK);
        FileChannel channel = null;
        try {
            Files.createDirectories(state);
            if (HELD.add(lockFile)) {
                channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock lock = channel.tryLock();
                if (lock != null) {
                    return new Claim(state, lockFile, channel);
                }
                channel.close();
                HELD.remove(lockFile);
            }
        } catch (IOException | OverlappingFileLockException e) {
            closeQuietly(channel);
            HELD.remove(lockFile);
            if (e instanceof IOException io) {
                throw new BrainTrustException.BadConfig("cannot lock " + lockFile + " (" + io.getMessage()
                        + "); check that the home is writable", io);
            }
        }
        Optional<ServerRecord> other = running(home);
        throw new BrainTrustException.BadConfig("another Brain Trust server is serving " + home.toAbsolutePath().normalize()
                + (other.map(r -> ": " + r.describe() + ". Stop it first (kill " + r.pid() + ")")
                .orElse(" (it is starting, or its " + state.resolve(FILE) + " cannot be read). Stop it first"))
                + ", or give this one another PAI_HOME; two servers on one home would race each other's syncs and runs");
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing held
            }
        }
    }

    /** A server's hold on its home: {@link #publish} writes the record, {@link #close} removes it and lets go. */
    public static final class Claim implements AutoCloseable {
        private final Path state;
        private final Path lockFile;
        private final FileChannel channel;
        private final ObjectMapper json = Json.mapper();
        private boolean published;

        private Claim(Path state, Path lockFile, FileChannel channel) {
            this.state = state;
            this.lockFile = lockFile;
            this.channel = channel;
        }

        /** Writes {@code state/server.json} (atomically: a reader sees the old record or the new one). */
        public void publish(ServerRecord record) {
            Path file = state.resolve(FILE);
            Path temp = state.resolve(FILE + ".tmp");
            try {
                Files.write(temp, json.writerWithDefaultPrettyPrinter().writeValueAsBytes(record));
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                published = true;
            } catch (IOException e) {
                org.slf4j.LoggerFactory.getLogger(ServerRecord.class).warn("cannot write {} ({}); 'brain-trust sync' and "
                        + "'status' will not find this server", file, e.getMessage());
            }
        }

        @Override
        public void close() {
            try {
                if (published) {
                    Files.deleteIfExists(state.resolve(FILE));
                }
            } catch (IOException ignored) {
                // a leftover record without its lock means no server
            }
            closeQuietly(channel);
            HELD.remove(lockFile);
        }
    }
}
