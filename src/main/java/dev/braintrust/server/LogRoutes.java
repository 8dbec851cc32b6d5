package dev.braintrust.server;

import dev.braintrust.journal.Journal;
import io.javalin.config.RoutesConfig;

import java.time.LocalDate;
import java.util.List;

/**
 * {@code GET /api/v1/logs} (the days with a journal, newest first) and {@code GET /api/v1/logs/{date}}
 * (that day's Markdown). The date must be YYYY-MM-DD, so it can only name a file in {@code logs/}.
 */
final class LogRoutes implements Routes {
    private final Journal journal;

    record Days(List<LocalDate> days) {
    }

    LogRoutes(Journal journal) {
        this.journal = journal;
    }

    @Override
    public void addTo(RoutesConfig routes) {
        routes.get("/api/v1/logs", ctx -> ctx.json(new Days(journal.days())));
        routes.get("/api/v1/logs/{date}", ctx -> ctx.contentType(ContextRoutes.MARKDOWN).result(journal.read(ctx.pathParam("date"))));
    }
}
