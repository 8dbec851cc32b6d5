package dev.braintrust.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.braintrust.BrainTrustException;
import dev.braintrust.context.ContextAssembler;
import dev.braintrust.context.ContextFile;
import dev.braintrust.context.ContextService;
import dev.braintrust.context.ContextSnapshot;
import dev.braintrust.history.History;
import io.javalin.config.RoutesConfig;
import io.javalin.http.ContentType;
import io.javalin.http.Context;

import java.time.Instant;
import java.util.List;

/**
 * {@code GET /api/v1/context} (the snapshot: revision, loadedAt, files with bytes and sha256),
 * {@code GET /api/v1/context/{name}} (one file's Markdown, from the snapshot: never a path on disk;
 * with {@code ?format=html} rendered as a safe HTML fragment, see {@link MarkdownHtml}; with {@code ?revision=<id>}
 * as that version of the history holds it)
 * and {@code POST /api/v1/context/invalidate}. The snapshot's JSON is rendered once per snapshot,
 * so a cached read does no I/O and writes bytes it already has.
 */
final class ContextRoutes implements Routes {
    static final String MARKDOWN = "text/markdown; charset=utf-8";
    private final ContextService context;
    private final History history;
    private final ObjectMapper mapper;
    private volatile Rendered rendered;

    private record Rendered(ContextSnapshot snapshot, byte[] json) {
    }

    /** @param privacy the file's tier from its front matter: public, local or never */
    record FileView(String name, long bytes, String sha256, String privacy) {
    }

    record SnapshotView(String revision, Instant loadedAt, List<FileView> files, List<String> missing, List<String> warnings) {
        static SnapshotView of(ContextSnapshot s) {
            return new SnapshotView(s.revision(), s.loadedAt(),
                    s.files().stream().map(f -> new FileView(f.name(), f.bytes(), f.sha256(), f.privacy().label())).toList(),
                    s.missing(), s.warnings());
        }
    }

    record Invalidated(String previous, String revision, boolean changed) {
    }

    ContextRoutes(ContextService context, History history, ObjectMapper mapper) {
        this.context = context;
        this.history = history;
        this.mapper = mapper;
    }

    @Override
    public void addTo(RoutesConfig routes) {
        routes.get("/api/v1/context", this::snapshot);
        routes.get("/api/v1/context/{name}", ctx -> {
            String revision = ctx.queryParam("revision");
            if (revision != null && !revision.isBlank()) {
                fileAt(ctx, revision);
                return;
            }
            ContextSnapshot s = context.snapshot();
            ContextFile file = s.file(fileName(ctx.pathParam("name"))).orElseThrow(() -> new BrainTrustException.NotFound(
                    "no context file named '" + ctx.pathParam("name") + "' in revision " + s.revision()
                            + "; GET /api/v1/context lists the files"));
            ctx.header("X-Context-Revision", s.revision());
            if (MarkdownHtml.wanted(ctx)) {
                MarkdownHtml.answer(ctx, file.content());
            } else {
                ctx.contentType(MARKDOWN).result(file.content());
            }
        });
        routes.post("/api/v1/context/invalidate", ctx -> {
            String previous = context.snapshot().revision();
            context.invalidate();
            String now = context.snapshot().revision();
            ctx.json(new Invalidated(previous, now, !previous.equals(now)));
        });
    }

    /** {@code ?revision=<id>}: the file as the version holds it (404 when the version or the file is not there). */
    private void fileAt(Context ctx, String revision) {
        String name = fileName(ctx.pathParam("name"));
        String id = history.files(revision).version().id();
        String text = new String(history.read(id, "context/" + name), java.nio.charset.StandardCharsets.UTF_8).strip();
        ctx.header("X-Context-Revision", id);
        if (MarkdownHtml.wanted(ctx)) {
            MarkdownHtml.answer(ctx, text);
        } else {
            ctx.contentType(MARKDOWN).result(text);
        }
    }

    private void snapshot(Context ctx) throws Exception {
        ContextSnapshot s = context.snapshot();
        Rendered r = rendered;
        if (r == null || r.snapshot != s) {
            r = new Rendered(s, render(mapper, s));
            rendered = r;
        }
        writeDirectly(ctx, ContentType.JSON, r.json);
    }

    /** The answer of {@code GET /api/v1/context} for {@code s}. */
    static byte[] render(ObjectMapper mapper, ContextSnapshot s) {
        try {
            return mapper.writeValueAsBytes(SnapshotView.of(s));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot render the context of " + s.revision() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes bytes the server already holds straight to the response. {@code ctx.result(bytes)}
     * would copy them through a fresh 32 KiB buffer on every request, most of a cached read's garbage.
     */
    static void writeDirectly(Context ctx, String contentType, byte[] body) throws java.io.IOException {
        ctx.contentType(contentType);
        ctx.res().setContentLength(body.length);
        ctx.res().getOutputStream().write(body);
    }

    /**
     * The file name a URL segment asks for: {@code MISSION} or {@code MISSION.md}. Anything that
     * could name a path (separators, dots in front, NUL) is refused before the snapshot is searched.
     */
    static String fileName(String requested) {
        String name = requested.endsWith(".md") ? requested : requested + ".md";
        if (name.indexOf('\0') >= 0 || name.contains("..") || !ContextAssembler.isContextFileName(name)) {
            throw new BrainTrustException.BadInput("'" + requested.replace("\0", "\\0")
                    + "' is not a context file name: use a name such as MISSION or MISSION.md");
        }
        return name;
    }
}
