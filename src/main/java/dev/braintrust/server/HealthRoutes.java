package dev.braintrust.server;

import io.javalin.config.RoutesConfig;
import io.javalin.http.ContentType;

import java.util.LinkedHashMap;
import java.util.Map;

/** {@code GET /health} (the process answers) and {@code GET /ready} (every {@link Readiness} check passes, else 503). */
final class HealthRoutes implements Routes {
    private static final byte[] HEALTHY = "{\"status\":\"ok\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    private final Readiness readiness;

    HealthRoutes(Readiness readiness) {
        this.readiness = readiness;
    }

    @Override
    public void addTo(RoutesConfig routes) {
        routes.get("/health", ctx -> ContextRoutes.writeDirectly(ctx, ContentType.JSON, HEALTHY));
        routes.get("/ready", ctx -> {
            Map<String, String> checks = readiness.evaluate();
            Map<String, Object> body = new LinkedHashMap<>();
            if (Readiness.allOk(checks)) {
                body.put("status", "ready");
            } else {
                ctx.status(503);
                body.put("status", "not_ready");
                body.put("error", ErrorMapper.errorName(503));
                body.put("detail", checks.entrySet().stream().filter(e -> !"ok".equals(e.getValue()))
                        .map(e -> e.getKey() + ": " + e.getValue()).reduce((a, b) -> a + "; " + b).orElse(""));
            }
            body.put("checks", checks);
            body.putAll(readiness.reports());
            ctx.json(body);
        });
    }
}
