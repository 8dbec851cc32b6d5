package dev.braintrust.server;

import dev.braintrust.sync.SyncService;
import io.javalin.http.Context;

import java.io.IOException;
import java.io.InputStream;

/**
 * Reads to its end, before an error is answered, a request body that was refused unread (413, 401,
 * 403...). The client is still sending it; closing the connection on unread bytes resets it, and the
 * client may lose the answer with them. Bodies declared larger than {@link #LIMIT}, and those of answers
 * that close the connection on purpose (a webhook turned away for load), are not read: their connection is closed.
 */
final class UnreadBody {
    /** Twice the largest body any route accepts (a webhook's 25 MiB). */
    static final long LIMIT = 2L * SyncService.MAX_WEBHOOK_BYTES;
    private static final int CHUNK = 64 * 1024;

    private UnreadBody() {
    }

    static void drain(Context ctx) {
        if (ctx.statusCode() < 400 || "close".equalsIgnoreCase(ctx.res().getHeader("Connection"))) {
            return;
        }
        long declared = ctx.req().getContentLengthLong();
        if (declared == 0 || declared > LIMIT) {
            return;
        }
        try {
            InputStream body = ctx.req().getInputStream();
            byte[] chunk = new byte[CHUNK];
            long left = LIMIT;
            int n;
            while (left > 0 && (n = body.read(chunk, 0, (int) Math.min(chunk.length, left))) != -1) {
                left -= n;
            }
        } catch (IOException | IllegalStateException e) {
            // the client went away, or the body was taken as text: the connection closes as it would have
        }
    }
}
