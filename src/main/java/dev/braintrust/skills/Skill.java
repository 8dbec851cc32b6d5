package dev.braintrust.skills;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * An executable script in {@code skills/} that agents can call as a tool.
 *
 * @param name        from the {@code # NAME:} header, else the file stem
 * @param description from the {@code # DESCRIPTION:} header, may be empty
 * @param params      from the {@code # PARAM:} headers, in order; passed to the script as argv in this order
 * @param script      the file to execute
 * @param env         from the {@code # ENV:} headers: the variables (secrets) this skill receives from the server, besides
 *                    the harmless ones every skill gets ({@link SkillRunner#PASSED})
 * @param approvalRequired from {@code # APPROVAL: required}: a human approves each call an agent makes
 */
public record Skill(String name, String description, List<SkillParam> params, Path script, List<String> env,
                    boolean approvalRequired) {
    public Skill {
        params = List.copyOf(params);
        env = List.copyOf(env);
    }

    public Skill(String name, String description, List<SkillParam> params, Path script, List<String> env) {
        this(name, description, params, script, env, false);
    }

    public Skill(String name, String description, List<SkillParam> params, Path script) {
        this(name, description, params, script, List.of(), false);
    }

    public Optional<SkillParam> param(String paramName) {
        return params.stream().filter(p -> p.name().equals(paramName)).findFirst();
    }
}
