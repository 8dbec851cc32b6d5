package dev.braintrust.server;

import dev.braintrust.BrainTrustException;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.HttpStatus;
import io.javalin.http.MethodNotAllowedResponse;
import io.javalin.router.EndpointNotFound;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;
import java.util.UUID;

/**
 * The one place exceptions become responses: {@link BrainTrustException} subtypes by what the
 * caller can do (400, 404, 503), Javalin's own (unknown route 404, wrong method 405, body too
 * large 413, and the statuses the gatekeeper throws), and anything else a 500 whose body carries
 * only an incident id; the stack trace goes to the server log under that id. Under {@code /v1/} (the
 * OpenAI-compatible endpoint) the body has OpenAI's shape, {@code {"error": {"message", "type", "code"}}}.
 */
final class ErrorMapper {
    private static final Logger log = LoggerFactory.getLogger(ErrorMapper.class);
    /** The OpenAI-compatible routes, whose errors take OpenAI's shape. */
    private static final String OPENAI_PREFIX = "/v1/";

    private ErrorMapper() {
    }

    static void addTo(RoutesConfig routes) {
        routes.exception(BrainTrustException.class, (e, ctx) -> respond(ctx, statusOf(e), e.getMessage()));
        routes.exception(EndpointNotFound.class, (e, ctx) -> respond(ctx, 404,
                "no route " + ctx.method() + " " + ctx.path() + "; the API is under /api/v1 (see the README)"));
        routes.exception(MethodNotAllowedResponse.class, (e, ctx) -> {
            String allowed = e.getDetails().getOrDefault("availableMethods", "").replace(",", ", ");
            ctx.header("Allow", allowed);
            respond(ctx, 405, ctx.method() + " is not allowed on " + ctx.path() + "; use " + allowed);
        });
        routes.exception(HttpResponseException.class, (e, ctx) -> respond(ctx, e.getStatus(), e.getMessage()));
        routes.exception(Exception.class, (e, ctx) -> {
            String incident = UUID.randomUUID().toString().substring(0, 8);
            log.error("incident {}: {} {} failed", incident, ctx.method(), ctx.path(), e);
            respond(ctx, 500, "unexpected server error (incident " + incident + "); the server log has the details");
        });
    }

    static int statusOf(BrainTrustException e) {
        if (e instanceof BrainTrustException.BadInput) {
            return 400;
        }
        if (e instanceof BrainTrustException.NotFound) {
            return 404;
        }
        if (e instanceof BrainTrustException.Unavailable) {
            return 503;
        }
        if (e instanceof BrainTrustException.Conflict) {
            return 409;
        }
        return 500;
    }

    static void respond(Context ctx, int status, String detail) {
        if (ctx.path().startsWith(OPENAI_PREFIX)) {
            // OpenAI client libraries read {"error": {"message", "type", "code"}}
            ctx.status(status).json(java.util.Map.of("error", java.util.Map.of("message", detail, "type", errorName(status),
                    "code", errorName(status))));
            return;
        }
        ctx.status(status).json(new ApiError(errorName(status), detail));
    }

    /** 404 → not_found, 413 → content_too_large: Javalin's name of the status, in lower case. */
    static String errorName(int status) {
        HttpStatus known = HttpStatus.forStatus(status);
        return known == HttpStatus.UNKNOWN ? "error_" + status : known.name().toLowerCase(Locale.ROOT);
    }
}
