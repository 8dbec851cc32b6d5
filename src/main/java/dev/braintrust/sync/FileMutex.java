package dev.braintrust.sync;

import dev.braintrust.BrainTrustException;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An operating-system lock on a file, so that two processes (a server and a {@code brain-trust
 * sync --once}, say) never move the same mirror at once. The lock dies with its process, so a
 * crash never leaves it held.
 */
final class FileMutex implements AutoCloseable {
    private static final long POLL_MILLIS = 10;
    /**
     * Files locked by this process. On Linux, closing any channel of a file drops every lock the
     * process holds on it, so a second channel on a held file must never be opened, even briefly.
     */
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;

    private FileMutex(Path file, FileChannel channel, FileLock lock) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Waits up to {@code wait} for the lock.
     *
     * @throws BrainTrustException.Unavailable when another process holds it all that time
     */
    static FileMutex acquire(Path file, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            FileMutex mutex = tryAcquire(file);
            if (mutex != null) {
                return mutex;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new BrainTrustException.Unavailable("another Brain Trust process is syncing " + file.getParent().getParent()
                        + " and did not finish within " + wait.toSeconds() + " s; try again");
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BrainTrustException.Unavailable("interrupted while waiting for the sync lock");
            }
        }
    }

    /** The lock, or null when another process (or another mirror in this process) holds it. */
    static FileMutex tryAcquire(Path target) {
        Path file = target.toAbsolutePath().normalize();
        if (!HELD.add(file)) {
            return null;
        }
        FileChannel channel = null;
        try {
            Files.createDirectories(file.getParent());
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                channel.close();
                HELD.remove(file);
                return null;
            }
            return new FileMutex(file, channel, lock);
        } catch (OverlappingFileLockException e) {
            closeQuietly(channel);
            HELD.remove(file);
            return null;
        } catch (IOException e) {
            closeQuietly(channel);
            HELD.remove(file);
            throw new BrainTrustException.Unavailable("cannot lock " + file + ": " + e.getMessage(), e);
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing to do: it was never locked
            }
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // closing the channel releases it as well
        }
        closeQuietly(channel);
        HELD.remove(file);
    }
}
