package dev.braintrust.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.braintrust.BrainTrust;
import dev.braintrust.StatusReport;
import io.javalin.config.RoutesConfig;

import java.time.Duration;

/** {@code GET /api/v1/status}: the {@link StatusReport}, plus the context's age and the skill count. */
final class StatusRoutes implements Routes {
    private final BrainTrust brainTrust;
    private final ObjectMapper mapper;

    StatusRoutes(BrainTrust brainTrust, ObjectMapper mapper) {
        this.brainTrust = brainTrust;
        this.mapper = mapper;
    }

    @Override
    public void addTo(RoutesConfig routes) {
        routes.get("/api/v1/status", ctx -> {
            StatusReport report = brainTrust.status();
            ObjectNode body = mapper.valueToTree(report);
            body.put("contextAgeSeconds", Duration.between(report.contextLoadedAt(), brainTrust.clock().instant()).toSeconds());
            body.put("skillCount", report.skills().size());
            ctx.json(body);
        });
    }
}
