package dev.braintrust.server;

import dev.braintrust.workflow.RunService;
import io.javalin.config.RoutesConfig;

import java.util.function.Supplier;

/**
 * {@code GET /api/v1/usage?since=7d}: what left the machine over a period — the egress ledger summed
 * per provider, server, model, workflow, day and context file — and today's spend against
 * BRAIN_TRUST_DAILY_BUDGET (the dashboard's overview shows it). {@code since} takes {@code 7d},
 * {@code 24h}, {@code 30m}, {@code today} or a date; anything else is a 400.
 */
final class UsageRoutes implements Routes {
    private final Supplier<RunService> runs;

    UsageRoutes(Supplier<RunService> runs) {
        this.runs = runs;
    }

    @Override
    public void addTo(RoutesConfig routes) {
        routes.get("/api/v1/usage", ctx -> ctx.json(runs.get().spending(ctx.queryParam("since"))));
    }
}
