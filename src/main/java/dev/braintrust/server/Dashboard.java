package dev.braintrust.server;

import dev.braintrust.BrainTrustException;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The web dashboard: plain HTML, CSS and JavaScript from {@code src/main/resources/ui/}, served at
 * {@code /}. The files are public (they hold no data and are the same for everyone); every
 * {@code /api/v1} call the page makes carries the API key the user typed, so the gatekeeper treats
 * the routes in {@link #PATHS} as open and the API as before.
 *
 * <p>The files are read from the class path into memory on first use (about 70 KB in all). Javalin's
 * static-file handler would instead mount the whole jar as a zip file system at start, which costs
 * a fifth of a second and some 16 MB of heap for the jar's index.
 *
 * <p>The Content-Security-Policy lets the page load scripts, styles and data only from this server:
 * no inline script runs, and nothing is fetched from another host, even if an untrusted context
 * file, journal or model output manages to smuggle markup into the page.
 */
final class Dashboard implements Routes {
    static final String CLASSPATH_FOLDER = "/ui/";
    static final Set<String> PATHS = Set.of("/", "/index.html", "/app.css", "/favicon.svg", "/js/{file}", "/js/pages/{file}");
    static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
            + "form-action 'self'; frame-ancestors 'none'";
    static final Map<String, String> HEADERS = Map.of(
            "Content-Security-Policy", CONTENT_SECURITY_POLICY,
            "X-Content-Type-Options", "nosniff",
            "Referrer-Policy", "no-referrer",
            "Cache-Control", "no-cache");
    private static final Pattern FILE_NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}\\.(html|css|js|svg)");
    private static final Map<String, String> CONTENT_TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "svg", "image/svg+xml");

    /** The original Brain Trust's answer at {@code /} to a client that asks for JSON. */
    static final Map<String, String> ROOT_JSON = Map.of("message", "Brain Trust is online", "status", "active");

    private final Map<String, byte[]> files = new ConcurrentHashMap<>();

    @Override
    public void addTo(RoutesConfig routes) {
        routes.get("/", ctx -> {
            ctx.header("Vary", "Accept");
            if (wantsJson(ctx.header("Accept"))) {
                ctx.json(ROOT_JSON); // what the original's API answered at its root, for its clients and scripts
                return;
            }
            send(ctx, "", "index.html");
        });
        routes.get("/index.html", ctx -> send(ctx, "", "index.html"));
        routes.get("/app.css", ctx -> send(ctx, "", "app.css"));
        routes.get("/favicon.svg", ctx -> send(ctx, "", "favicon.svg"));
        routes.get("/js/{file}", ctx -> send(ctx, "js/", ctx.pathParam("file")));
        routes.get("/js/pages/{file}", ctx -> send(ctx, "js/pages/", ctx.pathParam("file")));
    }

    /** A client that asks for JSON and not for a page: browsers always list text/html. */
    static boolean wantsJson(String accept) {
        return accept != null && accept.contains("application/json") && !accept.contains("text/html");
    }

    static boolean isDashboardRoute(String routePath) {
        return PATHS.contains(routePath);
    }

    private void send(Context ctx, String folder, String name) {
        if (!FILE_NAME.matcher(name).matches()) {
            throw new BrainTrustException.NotFound("no dashboard file " + folder + name);
        }
        String path = folder + name;
        byte[] content = files.computeIfAbsent(path, Dashboard::read);
        if (content.length == 0) {
            throw new BrainTrustException.NotFound("no dashboard file " + path);
        }
        HEADERS.forEach(ctx::header);
        ctx.contentType(CONTENT_TYPES.get(name.substring(name.lastIndexOf('.') + 1)));
        ctx.result(content);
    }

    /** The file's bytes, or an empty array when there is no such file (remembered, like a found one). */
    private static byte[] read(String path) {
        try (InputStream in = Dashboard.class.getResourceAsStream(CLASSPATH_FOLDER + path)) {
            return in == null ? new byte[0] : in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
