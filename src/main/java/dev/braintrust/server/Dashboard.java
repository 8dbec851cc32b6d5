package dev.braintrust.server;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The web dashboard: plain HTML, CSS and JavaScript from {@code src/main/resources/ui/}, served at
 * {@code /}. The files are public (they hold no data and are the same for everyone); every
 * {@code /api/v1} call the page makes carries the API key the user typed, so its routes are
 * marked {@link Access#OPEN} and the API's are not.
 *
 * <p>Only the files listed in {@code ui/files.txt} are served: all of them are read from the class path
 * into memory on first use (about 70 KB in all), and any other name is a 404 answered from that map
 * alone, with nothing remembered (anyone may ask for a million names). Javalin's static-file handler
 * would instead mount the whole jar as a zip file system at start, which costs a fifth of a second
 * and some 16 MB of heap for the jar's index.
 *
 * <p>The Content-Security-Policy lets the page load scripts, styles and data only from this server:
 * no inline script runs, and nothing is fetched from another host, even if an untrusted context
 * file, journal or model output manages to smuggle markup into the page.
 */
final class Dashboard implements Routes {
    static final String CLASSPATH_FOLDER = "/ui/";
    static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
            + "form-action 'self'; frame-ancestors 'none'";
    static final Map<String, String> HEADERS = Map.of(
            "Content-Security-Policy", CONTENT_SECURITY_POLICY,
            "X-Content-Type-Options", "nosniff",
            "Referrer-Policy", "no-referrer",
            "Cache-Control", "no-cache");
    static final String INDEX = "files.txt";
    private static final Map<String, String> CONTENT_TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "svg", "image/svg+xml");

    /** The original Brain Trust's answer at {@code /} to a client that asks for JSON. */
    static final Map<String, String> ROOT_JSON = Map.of("message", "Brain Trust is online", "status", "active");

    private volatile Map<String, byte[]> files;

    @Override
    public void addTo(RoutesConfig routes) {
        routes.get("/", ctx -> {
            ctx.header("Vary", "Accept");
            if (wantsJson(ctx.header("Accept"))) {
                ctx.json(ROOT_JSON); // what the original's API answered at its root, for its clients and scripts
                return;
            }
            send(ctx, "", "index.html");
        }, Access.OPEN);
        routes.get("/index.html", ctx -> send(ctx, "", "index.html"), Access.OPEN);
        routes.get("/app.css", ctx -> send(ctx, "", "app.css"), Access.OPEN);
        routes.get("/favicon.svg", ctx -> send(ctx, "", "favicon.svg"), Access.OPEN);
        routes.get("/js/{file}", ctx -> send(ctx, "js/", ctx.pathParam("file")), Access.OPEN);
        routes.get("/js/pages/{file}", ctx -> send(ctx, "js/pages/", ctx.pathParam("file")), Access.OPEN);
    }

    /** A client that asks for JSON and not for a page: browsers always list text/html. */
    static boolean wantsJson(String accept) {
        return accept != null && accept.contains("application/json") && !accept.contains("text/html");
    }

    private void send(Context ctx, String folder, String name) {
        byte[] content = files().get(folder + name);
        if (content == null) {
            ErrorMapper.respond(ctx, 404, "no dashboard file " + folder + name); // no exception: unknown names are cheap
            return;
        }
        HEADERS.forEach(ctx::header);
        ctx.contentType(CONTENT_TYPES.get(name.substring(name.lastIndexOf('.') + 1)));
        ctx.result(content);
    }

    private Map<String, byte[]> files() {
        Map<String, byte[]> loaded = files;
        if (loaded == null) {
            synchronized (this) {
                if (files == null) {
                    files = readAll();
                }
                loaded = files;
            }
        }
        return loaded;
    }

    /** Every file {@code ui/files.txt} lists, by its path under {@code ui/}. */
    static Map<String, byte[]> readAll() {
        Map<String, byte[]> all = new HashMap<>();
        for (String path : new String(read(INDEX), StandardCharsets.UTF_8).lines().map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList()) {
            if (CONTENT_TYPES.containsKey(path.substring(path.lastIndexOf('.') + 1))) {
                all.put(path, read(path));
            }
        }
        return Map.copyOf(all);
    }

    private static byte[] read(String path) {
        try (InputStream in = Dashboard.class.getResourceAsStream(CLASSPATH_FOLDER + path)) {
            if (in == null) {
                throw new IllegalStateException("ui/" + path + " is listed in ui/" + INDEX + " but not in the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
