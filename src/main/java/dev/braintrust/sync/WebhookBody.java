package dev.braintrust.sync;

import javax.crypto.Mac;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A webhook body read once, through the signature's MAC, and kept where it costs little memory:
 * small bodies (the usual push, a few KiB) in memory, larger ones in a temporary file under
 * {@code state/webhook/}, deleted on {@link #close()}. Whatever a sender sends, a read holds at
 * most {@link #IN_MEMORY} bytes plus one buffer on the heap.
 *
 * <p>Hand-written rather than taken from commons-io ({@code DeferredFileOutputStream}): it is the
 * only thing the project would use from that library, and the MAC has to see the bytes anyway.
 */
final class WebhookBody implements AutoCloseable {
    /** Bodies up to this size stay in memory. */
    static final int IN_MEMORY = 64 * 1024;
    private static final int CHUNK = 64 * 1024;
    private static final String PREFIX = "delivery-";

    private final byte[] inMemory;
    private final Path file;
    private final long size;
    private final byte[] digest;

    /** The body was larger than the limit; nothing of it is kept. */
    static final class TooLarge extends Exception {
        TooLarge() {
            super(null, null, false, false);
        }
    }

    /** The sender took longer than the deadline to send the body. */
    static final class TooSlow extends Exception {
        TooSlow() {
            super(null, null, false, false);
        }
    }

    private WebhookBody(byte[] inMemory, Path file, long size, byte[] digest) {
        this.inMemory = inMemory;
        this.file = file;
        this.size = size;
        this.digest = digest;
    }

    /**
     * Reads {@code in} to its end.
     *
     * @param mac      every byte goes through it (null: no signature to check)
     * @param spoolDir where a body over {@link #IN_MEMORY} is kept; null to keep nothing (the body is only checked)
     * @param deadline how long the whole body may take to arrive (a slow sender must not hold a place for ever)
     * @throws TooLarge when the body has more than {@code limit} bytes
     * @throws TooSlow  when the body took longer than {@code deadline}
     */
    static WebhookBody read(InputStream in, Mac mac, Path spoolDir, long limit, Duration deadline)
            throws IOException, TooLarge, TooSlow {
        long end = System.nanoTime() + deadline.toNanos();
        ByteArrayOutputStream memory = new ByteArrayOutputStream(spoolDir == null ? 0 : 8192);
        Path file = null;
        OutputStream out = null;
        long size = 0;
        boolean done = false;
        try {
            byte[] chunk = new byte[CHUNK];
            for (int n; in != null && (n = in.read(chunk)) >= 0; ) {
                size += n;
                if (size > limit) {
                    throw new TooLarge();
                }
                if (System.nanoTime() > end) {
                    throw new TooSlow();
                }
                if (mac != null) {
                    mac.update(chunk, 0, n);
                }
                if (spoolDir == null) {
                    continue;
                }
                if (out == null && memory.size() + n > IN_MEMORY) {
                    Files.createDirectories(spoolDir);
                    file = Files.createTempFile(spoolDir, PREFIX, ".body");
                    out = new java.io.BufferedOutputStream(Files.newOutputStream(file), CHUNK);
                    memory.writeTo(out);
                    memory = null;
                }
                (out != null ? out : memory).write(chunk, 0, n);
            }
            if (out != null) {
                out.close();
            }
            done = true;
            return new WebhookBody(out == null && memory != null ? memory.toByteArray() : null, file, size,
                    mac == null ? null : mac.doFinal());
        } finally {
            if (!done) {
                if (out != null) {
                    try {
                        out.close();
                    } catch (IOException ignored) {
                        // the file goes anyway
                    }
                }
                if (file != null) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }

    /** Deletes bodies a crash left in {@code spoolDir}. */
    static void deleteLeftovers(Path spoolDir) {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(spoolDir, PREFIX + "*.body")) {
            for (Path f : files) {
                Files.deleteIfExists(f);
            }
        } catch (IOException ignored) {
            // no such folder, or nothing to delete
        }
    }

    /** The MAC of the whole body, or null when read without one. */
    byte[] digest() {
        return digest;
    }

    long size() {
        return size;
    }

    /** The body from its start (empty when it was read without keeping it). */
    InputStream open() throws IOException {
        if (file != null) {
            return Files.newInputStream(file);
        }
        return new ByteArrayInputStream(inMemory == null ? new byte[0] : inMemory);
    }

    @Override
    public void close() {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // deleted at the next start
            }
        }
    }
}
