package dev.braintrust.testing;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;

/**
 * Many small GET requests, fast: HTTP/1.1 pipelining over a few keep-alive connections, a writer and
 * a reader per connection. For floods of unknown names and the like; the counts by status come back.
 */
public final class HttpFlood {
    private HttpFlood() {
    }

    /**
     * Sends {@code total} GETs, request {@code i} to {@code path.apply(i)}, spread over {@code connections}
     * connections, and waits for every answer.
     *
     * @return how many answers had each status
     */
    public static Map<Integer, Long> get(String baseUrl, long total, int connections, LongFunction<String> path) throws Exception {
        URI base = URI.create(baseUrl);
        Map<Integer, AtomicLong> counts = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(2 * connections);
        try {
            Future<?>[] work = new Future<?>[2 * connections];
            for (int c = 0; c < connections; c++) {
                long from = total * c / connections;
                long to = total * (c + 1) / connections;
                Socket socket = new Socket(base.getHost(), base.getPort());
                socket.setSoTimeout(60_000);
                work[2 * c] = pool.submit(() -> {
                    try {
                        OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
                        for (long i = from; i < to; i++) {
                            out.write(("GET " + path.apply(i) + " HTTP/1.1\r\nHost: " + base.getHost() + ":" + base.getPort()
                                    + (i == to - 1 ? "\r\nConnection: close" : "") + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                        }
                        out.flush(); // not closed: that would close the socket under the reader
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    return null;
                });
                work[2 * c + 1] = pool.submit(() -> {
                    try (InputStream in = new BufferedInputStream(socket.getInputStream(), 64 * 1024)) {
                        for (long i = from; i < to; i++) {
                            int status = readResponse(in);
                            counts.computeIfAbsent(status, s -> new AtomicLong()).incrementAndGet();
                        }
                    } finally {
                        socket.close();
                    }
                    return null;
                });
            }
            for (Future<?> f : work) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        Map<Integer, Long> result = new java.util.TreeMap<>();
        counts.forEach((k, v) -> result.put(k, v.get()));
        return result;
    }

    /** Reads one response (status line, headers, a Content-Length body) and returns its status. */
    private static int readResponse(InputStream in) throws IOException {
        String statusLine = line(in);
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        long length = 0;
        for (String header; !(header = line(in)).isEmpty(); ) {
            int colon = header.indexOf(':');
            if (colon > 0 && header.substring(0, colon).equalsIgnoreCase("Content-Length")) {
                length = Long.parseLong(header.substring(colon + 1).strip());
            }
        }
        for (long left = length; left > 0; ) {
            long skipped = in.skip(left);
            if (skipped <= 0) {
                if (in.read() < 0) {
                    throw new IOException("connection closed in a body");
                }
                skipped = 1;
            }
            left -= skipped;
        }
        return status;
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int c; (c = in.read()) != '\n'; ) {
            if (c < 0) {
                throw new IOException("connection closed after " + sb);
            }
            if (c != '\r') {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }
}
