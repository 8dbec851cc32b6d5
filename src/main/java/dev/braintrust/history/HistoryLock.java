package dev.braintrust.history;

import dev.braintrust.BrainTrustException;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Who may write the history: one thread of one process at a time (the server's recorder, a
 * {@code brain-trust restore}, a pruning). A lock of the operating system on a file, so it dies with its
 * process: a killed writer never leaves it held, and whoever holds it knows every git lock file it finds is
 * stale. Reentrant within the process. Reads never take it.
 *
 * <p>Written here rather than shared with the mirror's lock of the sync package, which is private to that
 * package; the two guard different repositories.
 */
final class HistoryLock {
    private static final long POLL_MILLIS = 10;

    /**
     * One lock per file in the process: on Linux, closing any channel of a file drops every lock the process
     * holds on it, and a second lock from the same process is refused, so two histories of one home share one.
     */
    private static final java.util.concurrent.ConcurrentMap<Path, HistoryLock> LOCKS = new java.util.concurrent.ConcurrentHashMap<>();

    private final Path file;
    private final ReentrantLock local = new ReentrantLock();
    private FileChannel channel;
    private FileLock lock;

    private HistoryLock(Path file) {
        this.file = file;
    }

    static HistoryLock of(Path file) {
        return LOCKS.computeIfAbsent(file.toAbsolutePath().normalize(), HistoryLock::new);
    }

    /** A held lock; closing it releases one hold. */
    interface Held extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Waits up to {@code wait} for the lock.
     *
     * @throws BrainTrustException.Unavailable when another process holds it all that time
     */
    Held acquire(Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        try {
            if (!local.tryLock(wait.toNanos(), TimeUnit.NANOSECONDS)) {
                throw busy(wait);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BrainTrustException.Unavailable("interrupted while waiting to write the history");
        }
        if (local.getHoldCount() > 1) {
            return local::unlock;
        }
        try {
            while (true) {
                if (tryOs()) {
                    return this::release;
                }
                if (System.nanoTime() - deadline > 0) {
                    throw busy(wait);
                }
                Thread.sleep(POLL_MILLIS);
            }
        } catch (InterruptedException e) {
            local.unlock();
            Thread.currentThread().interrupt();
            throw new BrainTrustException.Unavailable("interrupted while waiting to write the history");
        } catch (RuntimeException e) {
            local.unlock();
            throw e;
        }
    }

    private boolean tryOs() {
        try {
            Files.createDirectories(file.getParent());
            FileChannel c = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock l = c.tryLock();
            if (l == null) {
                c.close();
                return false;
            }
            channel = c;
            lock = l;
            return true;
        } catch (IOException e) {
            throw new BrainTrustException.Unavailable("cannot lock " + file + ": " + e.getMessage(), e);
        }
    }

    private void release() {
        try {
            lock.release();
            channel.close();
        } catch (IOException ignored) {
            // closing the channel releases the lock either way
        } finally {
            lock = null;
            channel = null;
            local.unlock();
        }
    }

    private BrainTrustException busy(Duration wait) {
        return new BrainTrustException.Unavailable("another Brain Trust process is writing the history in " + file.getParent()
                + " and did not finish within " + wait.toSeconds() + " s; try again");
    }
}
