package dev.braintrust.server;

import io.javalin.config.RoutesConfig;
import io.javalin.http.ContentType;
import io.javalin.http.Context;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * {@code GET /health} (the process answers) and {@code GET /ready} (no {@link Readiness} check is
 * "not ready", else 503). Both are open to anyone, so {@code /ready} tells a stranger only the status
 * and each check's state ({@code ok}, {@code failing}, {@code not ready}); the reasons and the facts
 * behind them (repository URL, revision, last errors) go only to a caller with the API key (or a
 * local caller of a server without a key).
 */
final class HealthRoutes implements Routes {
    private static final byte[] HEALTHY = "{\"status\":\"ok\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    private final Readiness readiness;
    private final Predicate<Context> mayReadDetails;

    HealthRoutes(Readiness readiness, Predicate<Context> mayReadDetails) {
        this.readiness = readiness;
        this.mayReadDetails = mayReadDetails;
    }

    @Override
    public void addTo(RoutesConfig routes) {
        routes.get("/health", ctx -> ContextRoutes.writeDirectly(ctx, ContentType.JSON, HEALTHY), Access.OPEN);
        routes.get("/ready", ctx -> {
            List<Readiness.Result> results = readiness.evaluate();
            boolean ready = Readiness.ready(results);
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("status", ready ? "ready" : "not_ready");
            if (!ready) {
                ctx.status(503);
                body.put("error", ErrorMapper.errorName(503));
            }
            Map<String, String> checks = new LinkedHashMap<>();
            results.forEach(r -> checks.put(r.name(), r.state().label()));
            body.put("checks", checks);
            if (mayReadDetails.test(ctx)) {
                Map<String, String> problems = new LinkedHashMap<>();
                results.stream().filter(r -> r.reason() != null).forEach(r -> problems.put(r.name(), r.reason()));
                if (!problems.isEmpty()) {
                    body.put("detail", problems.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue())
                            .reduce((a, b) -> a + "; " + b).orElse(""));
                    body.put("problems", problems);
                }
                body.putAll(readiness.reports());
            }
            ctx.json(body);
        }, Access.OPEN);
    }
}
