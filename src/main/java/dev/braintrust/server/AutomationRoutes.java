package dev.braintrust.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.braintrust.BrainTrust;
import dev.braintrust.BrainTrustException;
import dev.braintrust.journal.ApprovalRecord;
import dev.braintrust.journal.RunRecord;
import dev.braintrust.journal.StepRecord;
import dev.braintrust.schedule.ScheduleService;
import dev.braintrust.workflow.RunHandle;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Always-on agents over HTTP (issue 17), thin adapters over {@link ScheduleService} and the run service:
 * <ul>
 *   <li>{@code GET /api/v1/schedules} — every schedule (next five fires in its zone, recent fires, paused) and
 *       trigger, and the declarations that are wrong; {@code GET /api/v1/schedules/{id}};
 *       {@code POST /api/v1/schedules/{id}/pause}, {@code /resume}, {@code /run} (run now: 202 with the run).</li>
 *   <li>{@code POST /api/v1/triggers/{name}} — a webhook trigger; open without the API key, authenticated by the
 *       trigger's own secret instead (wrong secrets are rate-limited per address like wrong keys).</li>
 *   <li>{@code GET /api/v1/approvals} — every approval waiting for a human; {@code GET /api/v1/runs/{id}/approvals};
 *       {@code POST /api/v1/runs/{id}/approvals/{step}} {@code {"decision": "approve" | "reject", "note": "..."}}.</li>
 *   <li>{@code GET /api/v1/runs/{id}/notifications} — the notifications of a run and how their delivery went.</li>
 * </ul>
 */
final class AutomationRoutes implements Routes {
    static final String TRIGGER_ROUTE = "/api/v1/triggers/{name}";

    private final BrainTrust brainTrust;
    private final JsonBodies bodies;
    private final WrongKeyLimiter limiter = new WrongKeyLimiter();

    /** A pending approval with what a person needs to decide it. */
    record PendingApproval(String runId, String workflow, String step, String agent, String kind, String subject,
                           java.time.Instant requestedAt, java.time.Instant expiresAt, String decide) {
    }

    record Approvals(List<PendingApproval> approvals) {
    }

    AutomationRoutes(BrainTrust brainTrust, JsonBodies bodies) {
        this.brainTrust = brainTrust;
        this.bodies = bodies;
    }

    @Override
    public void addTo(RoutesConfig routes) {
        ScheduleService schedules = brainTrust.schedules();
        routes.get("/api/v1/schedules", ctx -> ctx.json(schedules.overview()));
        routes.get("/api/v1/schedules/{id}", ctx -> ctx.json(schedules.schedule(ctx.pathParam("id"))));
        routes.post("/api/v1/schedules/{id}/pause", ctx -> ctx.json(schedules.setPaused(ctx.pathParam("id"), true, by(ctx))));
        routes.post("/api/v1/schedules/{id}/resume", ctx -> ctx.json(schedules.setPaused(ctx.pathParam("id"), false, by(ctx))));
        routes.post("/api/v1/schedules/{id}/run", ctx -> {
            RunHandle handle = schedules.runNow(ctx.pathParam("id"));
            String self = "/api/v1/runs/" + handle.id();
            ctx.status(202).header("Location", self).json(Map.of("runId", handle.id(), "status", "running",
                    "revision", String.valueOf(handle.revision()), "run", self, "events", self + "/events"));
        });
        routes.post(TRIGGER_ROUTE, ctx -> {
            String address = ctx.req().getRemoteAddr();
            long blocked = limiter.blockedForSeconds(address);
            byte[] body = JsonBodies.bytes(ctx, JsonBodies.DEFAULT_LIMIT);
            if (blocked > 0) {
                ctx.header("Retry-After", Long.toString(blocked));
                ErrorMapper.respond(ctx, 429, "too many wrong secrets from your address; try again in " + blocked + " s");
                return;
            }
            ScheduleService.WebhookAnswer answer = schedules.webhook(ctx.pathParam("name"), ctx.headerMap(), body);
            if (answer.status() == 401 || answer.status() == 403) {
                limiter.recordFailure(address);
            }
            if (answer.status() == 429) {
                ctx.header("Retry-After", "30");
            }
            ctx.status(answer.status()).json(answer.body());
        }, Access.OPEN);
        routes.get("/api/v1/approvals", ctx -> {
            List<PendingApproval> list = new ArrayList<>();
            for (ApprovalRecord a : brainTrust.runs().pendingApprovals()) {
                list.add(pending(a));
            }
            ctx.json(new Approvals(list));
        });
        routes.get("/api/v1/runs/{id}/approvals", ctx -> ctx.json(Map.of("approvals", brainTrust.runs().approvals(ctx.pathParam("id")))));
        routes.post("/api/v1/runs/{id}/approvals/{step}", ctx -> {
            JsonNode body = bodies.read(ctx);
            boolean approve = decision(body);
            String note = body != null && body.hasNonNull("note") ? body.get("note").asText() : null;
            ctx.json(brainTrust.runs().decide(ctx.pathParam("id"), ctx.pathParam("step"), approve, note, by(ctx)));
        });
        routes.get("/api/v1/runs/{id}/notifications", ctx -> {
            brainTrust.runs().get(ctx.pathParam("id"));
            ctx.json(Map.of("notifications", brainTrust.runs().notifications(ctx.pathParam("id"))));
        });
    }

    private PendingApproval pending(ApprovalRecord a) {
        String workflow = null;
        String agent = a.nodeId();
        try {
            RunRecord run = brainTrust.runs().get(a.runId());
            workflow = run.workflow();
            agent = run.steps().stream().filter(s -> s.nodeId().equals(a.nodeId())).map(StepRecord::agent).findFirst().orElse(agent);
        } catch (BrainTrustException ignored) {
            // the run was deleted meanwhile: show the approval as it is
        }
        return new PendingApproval(a.runId(), workflow, a.nodeId(), agent, a.kind(), a.subject(), a.requestedAt(), a.expiresAt(),
                "/api/v1/runs/" + a.runId() + "/approvals/" + a.nodeId());
    }

    /** {@code "decision": "approve" | "reject"} (also approved/rejected), or {@code "approved": true | false}. */
    private static boolean decision(JsonNode body) {
        if (body != null && body.path("approved").isBoolean()) {
            return body.get("approved").asBoolean();
        }
        String text = body == null ? "" : body.path("decision").asText("").strip().toLowerCase(Locale.ROOT);
        return switch (text) {
            case "approve", "approved", "yes" -> true;
            case "reject", "rejected", "no" -> false;
            default -> throw new BrainTrustException.BadInput("send {\"decision\": \"approve\"} or {\"decision\": \"reject\"}, "
                    + "with an optional \"note\" for the next agent");
        };
    }

    /** Who acted, as recorded: the dashboard says so in a header; anything else is the API. */
    private static String by(Context ctx) {
        return "dashboard".equalsIgnoreCase(ctx.header("X-Brain-Trust-Client")) ? "dashboard" : "api";
    }
}
