package dev.braintrust.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.braintrust.BrainTrustException;
import dev.braintrust.history.History;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import java.util.ArrayList;
import java.util.List;

/**
 * The history of the home (issue 15), thin adapters over {@link History}:
 * <ul>
 *   <li>{@code GET /api/v1/history?file=&limit=&offset=} — versions, newest first: id, time, source (edit, restore,
 *       commit, sync), author and message where git has them, files changed with lines added and deleted.</li>
 *   <li>{@code GET /api/v1/history/{id}} — one version and its files.</li>
 *   <li>{@code GET /api/v1/history/{id}/file?path=} — one file of a version, as text.</li>
 *   <li>{@code GET /api/v1/history/diff?from=&to=} — a unified diff per file; {@code to} defaults to now, {@code from}
 *       to the version before {@code to}.</li>
 *   <li>{@code POST /api/v1/history/{id}/restore} {@code {"files": [...]}} (or no files: all) — local mode writes the
 *       files back, each atomically, as a new version; the text there before is a version already (its id is in
 *       the answer). Cloud mode answers 409 with how to pin instead.</li>
 * </ul>
 */
final class HistoryRoutes implements Routes {
    static final int DEFAULT_LIMIT = 50;
    /** The most files one restore names. */
    static final int MAX_FILES = 10_000;

    private final History history;
    private final JsonBodies bodies;

    HistoryRoutes(History history, JsonBodies bodies) {
        this.history = history;
        this.bodies = bodies;
    }

    @Override
    public void addTo(RoutesConfig routes) {
        routes.get("/api/v1/history", ctx -> ctx.json(history.list(ctx.queryParam("file"),
                QueryParams.intParam(ctx, "limit", DEFAULT_LIMIT, 1, History.MAX_PAGE),
                QueryParams.intParam(ctx, "offset", 0, 0, Integer.MAX_VALUE))));
        routes.get("/api/v1/history/diff", ctx -> ctx.json(history.diff(ctx.queryParam("from"), ctx.queryParam("to"))));
        routes.get("/api/v1/history/{id}", ctx -> ctx.json(history.files(ctx.pathParam("id"))));
        routes.get("/api/v1/history/{id}/file", ctx -> {
            String path = ctx.queryParam("path");
            if (path == null) {
                throw new BrainTrustException.BadInput("add ?path=<file>, such as ?path=context/MISSION.md");
            }
            ctx.contentType("text/plain; charset=utf-8").result(history.read(ctx.pathParam("id"), path));
        });
        routes.post("/api/v1/history/{id}/restore", ctx -> ctx.json(history.restore(ctx.pathParam("id"), files(bodies.read(ctx)))));
    }

    private static List<String> files(JsonNode body) {
        List<String> files = new ArrayList<>();
        if (body == null || body.isNull() || (body.isObject() && !body.has("files"))) {
            return files;
        }
        JsonNode list = body.isObject() ? body.get("files") : null;
        if (list == null || !list.isArray()) {
            throw new BrainTrustException.BadInput("send {\"files\": [\"context/MISSION.md\", ...]}, or no files to restore every file");
        }
        if (list.size() > MAX_FILES) {
            throw new BrainTrustException.BadInput("at most " + MAX_FILES + " files at once; send no files to restore all of them");
        }
        for (JsonNode f : list) {
            if (!f.isTextual()) {
                throw new BrainTrustException.BadInput("every entry of \"files\" must be a path such as \"context/MISSION.md\"");
            }
            files.add(f.asText());
        }
        return files;
    }
}
