package dev.braintrust.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.braintrust.BrainTrustException;
import dev.braintrust.skills.Skill;
import dev.braintrust.skills.SkillParam;
import dev.braintrust.skills.SkillRegistry;
import dev.braintrust.skills.SkillResult;
import dev.braintrust.skills.SkillRunner;
import dev.braintrust.skills.SkillVariable;
import dev.braintrust.skills.SkippedScript;
import io.javalin.config.RoutesConfig;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /api/v1/skills} and {@code POST /api/v1/skills/{name}/run} with {@code {"args":{..}}}.
 * A run that happened answers 200 whatever the script's exit code; {@code ok} and {@code outcome} say how it went.
 */
final class SkillRoutes implements Routes {
    private final SkillRegistry registry;
    private final SkillRunner runner;
    private final JsonBodies bodies;

    /** @param env the variables the skill declares with {@code # ENV:}, and whether the server has each (never a value) */
    record SkillView(String name, String description, List<SkillParam> params, String file, List<SkillVariable> env) {
        static SkillView of(Skill s, SkillRunner runner) {
            return new SkillView(s.name(), s.description(), s.params(), s.script().getFileName().toString(), runner.variablesOf(s));
        }
    }

    /**
     * @param passed    the variables every skill receives when the server has them, besides PAI_HOME and each skill's own
     * @param isolation how skill processes are contained here: "namespace" or "session"
     */
    record SkillList(List<SkillView> skills, List<SkippedScript> skipped, List<String> passed, String isolation) {
    }

    record RunView(String skill, boolean ok, String outcome, int exitCode, String output, boolean truncated,
                   String stderr, boolean timedOut, long durationMs) {
        static RunView of(SkillResult r) {
            return new RunView(r.skill(), r.ok(), r.outcome(), r.exitCode(), r.output(), r.truncated(), r.stderrTail(),
                    r.timedOut(), r.duration().toMillis());
        }
    }

    SkillRoutes(SkillRegistry registry, SkillRunner runner, JsonBodies bodies) {
        this.registry = registry;
        this.runner = runner;
        this.bodies = bodies;
    }

    @Override
    public void addTo(RoutesConfig routes) {
        routes.get("/api/v1/skills", ctx -> ctx.json(new SkillList(
                registry.list().stream().map(s -> SkillView.of(s, runner)).toList(), registry.skipped(), SkillRunner.PASSED,
                runner.isolationMode())));
        routes.post("/api/v1/skills/{name}/run", ctx -> {
            Skill skill = registry.find(ctx.pathParam("name"));
            Map<String, String> args = arguments(bodies.read(ctx));
            ctx.json(RunView.of(runner.run(skill, args)));
        });
    }

    /** {@code {"args":{"query":"x","limit":3}}} to name → text; an empty body means no arguments. */
    static Map<String, String> arguments(JsonNode body) {
        Map<String, String> args = new LinkedHashMap<>();
        if (body == null || body.isNull()) {
            return args;
        }
        if (!body.isObject()) {
            throw new BrainTrustException.BadInput("the body must be a JSON object such as {\"args\":{\"query\":\"...\"}}");
        }
        JsonNode given = body.get("args");
        if (given == null || given.isNull()) {
            return args;
        }
        if (!given.isObject()) {
            throw new BrainTrustException.BadInput("\"args\" must be an object of parameter names to values");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = given.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> arg = it.next();
            JsonNode value = arg.getValue();
            if (value.isNull()) {
                continue;
            }
            if (!value.isValueNode()) {
                throw new BrainTrustException.BadInput("argument '" + arg.getKey() + "' must be a string, number or boolean");
            }
            args.put(arg.getKey(), value.asText());
        }
        return args;
    }
}
