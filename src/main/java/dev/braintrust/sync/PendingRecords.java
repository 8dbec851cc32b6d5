package dev.braintrust.sync;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The records of syncs whose journal entry and status file are written after the answer: each is put on
 * disk under {@code state/sync/pending/} before the answer (one small file, not forced to disk: a killed
 * process leaves it in the page cache) and deleted once its journal entry is written. A process killed in
 * between leaves the file, and the next start writes the entry from it ({@link #recover()}).
 *
 * <p>The process that wrote a record holds a lock on it until it is done with it, and the operating
 * system drops that lock when the process dies; so a process that starts beside a live server (a CLI
 * command) never takes that server's records for a dead one's.
 */
final class PendingRecords {
    private static final Logger log = LoggerFactory.getLogger(PendingRecords.class);
    private static final String SUFFIX = ".json";

    private final Path dir;
    private final ObjectMapper json;
    private final AtomicLong sequence = new AtomicLong();

    PendingRecords(Path dir, ObjectMapper json) {
        this.dir = dir;
        this.json = json;
    }

    /** A record on disk, locked by this process until {@link #close()} deletes it. */
    static final class Record implements AutoCloseable {
        private final Path file;
        private final FileChannel channel;

        private Record(Path file, FileChannel channel) {
            this.file = file;
            this.channel = channel;
        }

        /** Lets go of the record without deleting it: this process will not write its entry, the next start does. */
        void leave() {
            try {
                channel.close();
            } catch (IOException ignored) {
                // the lock goes with the descriptor
            }
        }

        /** The journal entry is written: the record is deleted. */
        @Override
        public void close() {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                log.debug("cannot delete {}: {}", file, e.getMessage());
            }
            try {
                channel.close(); // releases the lock
            } catch (IOException ignored) {
                // the lock goes with the descriptor
            }
        }
    }

    /**
     * Puts {@code result} on disk until its journal entry is written.
     *
     * @return the record to close once the entry is written, or null when it could not be written (the
     *         entry is still written after the answer; only a kill in between would lose it, as it is logged)
     */
    Record keep(SyncResult result) {
        // named by time, then by a counter, so that the names sort as the syncs ran
        String name = String.format("%020d-%06d%s", result.time().toEpochMilli(), sequence.incrementAndGet() % 1_000_000, SUFFIX);
        Path file = dir.resolve(name);
        Path temp = dir.resolve(name + ".tmp");
        FileChannel channel = null;
        try {
            byte[] bytes = json.writeValueAsBytes(result);
            Files.createDirectories(dir);
            // written under another name and renamed once locked and whole: a reader never sees it half written
            channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            channel.lock();
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            Files.move(temp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return new Record(file, channel);
        } catch (IOException | RuntimeException e) {
            log.warn("cannot keep the record of the sync to {} in {} ({}); its journal entry follows the answer, "
                    + "and a crash in between would lose it", result.revision(), dir, e.getMessage());
            if (channel != null) {
                try {
                    channel.close();
                    Files.deleteIfExists(temp);
                    Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    // nothing more to do: an unreadable record is skipped at the next start
                }
            }
            return null;
        }
    }

    /**
     * The records a dead process left (no live process holds their lock), oldest first, deleted from disk:
     * the caller writes their journal entries. An unreadable one (the process died while writing it, before
     * it answered) is deleted with a warning, and so are the temporary files of records never finished.
     */
    List<SyncResult> recover() {
        deleteUnfinished();
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            entries.forEach(files::add);
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            log.warn("cannot list {}: {}", dir, e.getMessage());
            return List.of();
        }
        files.sort(null);
        List<SyncResult> left = new ArrayList<>();
        for (Path file : files) {
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
                 FileLock lock = channel.tryLock()) {
                if (lock == null) {
                    continue; // a live process is writing its entry now
                }
                try {
                    left.add(json.readValue(Files.readAllBytes(file), SyncResult.class));
                } catch (IOException | RuntimeException e) {
                    log.warn("skipping the unreadable sync record {} ({})", file, e.getMessage());
                }
                Files.deleteIfExists(file);
            } catch (OverlappingFileLockException e) {
                // held by this process: not left by a dead one
            } catch (NoSuchFileException e) {
                // its process wrote the entry meanwhile
            } catch (IOException e) {
                log.warn("cannot read the sync record {}: {}", file, e.getMessage());
            }
        }
        return left;
    }

    private void deleteUnfinished() {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, "*" + SUFFIX + ".tmp")) {
            for (Path temp : entries) {
                try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE); FileLock lock = channel.tryLock()) {
                    if (lock != null) {
                        Files.deleteIfExists(temp);
                    }
                } catch (IOException | OverlappingFileLockException e) {
                    // being written, or gone
                }
            }
        } catch (IOException e) {
            // no folder yet, or unreadable: recover() says so
        }
    }
}
