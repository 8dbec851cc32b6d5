package dev.braintrust.server;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.staticfiles.Location;

import java.util.Map;

/**
 * The web dashboard: plain HTML, CSS and JavaScript from {@code src/main/resources/ui/}, served at
 * {@code /} by Javalin's static file handler. The files are public (they hold no data and are the
 * same for everyone); every {@code /api/v1} call the page makes carries the API key the user typed,
 * so the gatekeeper treats the files as open and the API as before.
 *
 * <p>The Content-Security-Policy lets the page load scripts, styles and data only from this server:
 * no inline script runs, and nothing is fetched from another host, even if an untrusted context
 * file, journal or model output manages to smuggle markup into the page.
 */
final class Dashboard {
    static final String CLASSPATH_FOLDER = "/ui";
    static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
            + "form-action 'self'; frame-ancestors 'none'";
    static final Map<String, String> HEADERS = Map.of(
            "Content-Security-Policy", CONTENT_SECURITY_POLICY,
            "X-Content-Type-Options", "nosniff",
            "Referrer-Policy", "no-referrer",
            "Cache-Control", "no-cache");

    private Dashboard() {
    }

    static void addTo(JavalinConfig cfg) {
        cfg.staticFiles.add(files -> {
            files.hostedPath = "/";
            files.directory = CLASSPATH_FOLDER;
            files.location = Location.CLASSPATH;
            files.headers = HEADERS;
        });
    }

    /**
     * True when the request is for a file of the dashboard. The gatekeeper runs before matched
     * requests only, that is a route or a static file; no route therefore means a static file,
     * and the API's own paths are never counted as one.
     */
    static boolean isStaticFile(Context ctx) {
        return ctx.endpoints().matchedHttpEndpoint() == null
                && (ctx.method() == HandlerType.GET || ctx.method() == HandlerType.HEAD)
                && !ctx.path().startsWith("/api/") && !ctx.path().equals("/metrics");
    }
}
