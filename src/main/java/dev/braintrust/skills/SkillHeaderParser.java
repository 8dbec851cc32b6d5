package dev.braintrust.skills;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the comment header of a skill script (the first 20 lines):
 * <pre>
 * # NAME: web_search
 * # DESCRIPTION: Search the web
 * # PARAM: query (str) - The search query
 * # PARAM: limit (int, optional) - How many results
 * # APPROVAL: required
 * # ENV: SERPAPI_API_KEY
 * </pre>
 * {@code # ENV:} is repeatable (or lists several names separated by commas or spaces); a skill may not
 * ask for the server's own credentials ({@code BRAIN_TRUST_*}, {@code WEBHOOK_SECRET}).
 */
final class SkillHeaderParser {
    static final int HEADER_LINES = 20;
    static final Pattern VALID_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_-]{0,63}");
    private static final Pattern FIELD = Pattern.compile("^\\s*(?:#|//|--)\\s*(NAME|DESCRIPTION|PARAM|ENV|APPROVAL)\\s*:\\s*(.*?)\\s*$",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern PARAM = Pattern.compile(
            "([A-Za-z_][A-Za-z0-9_]*)\\s*(?:\\(\\s*([A-Za-z]+)\\s*(?:,\\s*(optional|required)\\s*)?\\))?\\s*(?:-\\s*(.*))?",
            Pattern.CASE_INSENSITIVE);

    private static final Pattern VARIABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");

    private SkillHeaderParser() {
    }

    /**
     * @throws IllegalArgumentException with a user-facing reason when the header is malformed
     */
    static Skill parse(Path script, List<String> firstLines) {
        String stem = script.getFileName().toString().replaceFirst("\\.[^.]+$", "");
        String name = stem;
        String description = "";
        List<SkillParam> params = new ArrayList<>();
        boolean approval = false;
        List<String> env = new ArrayList<>();
        for (String line : firstLines.subList(0, Math.min(HEADER_LINES, firstLines.size()))) {
            Matcher m = FIELD.matcher(line);
            if (!m.matches()) {
                continue;
            }
            String value = m.group(2);
            switch (m.group(1).toUpperCase()) {
                case "NAME" -> name = value;
                case "DESCRIPTION" -> description = value;
                case "APPROVAL" -> approval = parseApproval(value);
                case "ENV" -> parseEnv(value, env);
                default -> params.add(parseParam(value, params));
            }
        }
        if (!VALID_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("its name '" + name + "' is not valid: use letters, digits, '_' or '-', "
                    + "starting with a letter, in the '# NAME:' header or the file name");
        }
        return new Skill(name, description, params, script, env, approval);
    }

    private static boolean parseApproval(String value) {
        return switch (value.toLowerCase()) {
            case "required", "yes", "true" -> true;
            case "none", "no", "false", "" -> false;
            default -> throw new IllegalArgumentException("its header line '# APPROVAL: " + value
                    + "' is not understood: write '# APPROVAL: required' to have a human approve each call");
        };
    }

    private static void parseEnv(String value, List<String> env) {
        for (String variable : value.split("[,\\s]+")) {
            if (variable.isEmpty()) {
                continue;
            }
            if (!VARIABLE.matcher(variable).matches()) {
                throw new IllegalArgumentException("its header line '# ENV: " + value + "' names '" + variable
                        + "', which is not a variable name (letters, digits and '_')");
            }
            if (isServerCredential(variable)) {
                throw new IllegalArgumentException("it asks for " + variable + ", a setting of the server itself, which no "
                        + "skill receives; remove it from the '# ENV:' header");
            }
            if (!env.contains(variable)) {
                env.add(variable);
            }
        }
    }

    /** The server's own settings and credentials: never handed to a skill, even when asked for. */
    static boolean isServerCredential(String variable) {
        String name = variable.toUpperCase(java.util.Locale.ROOT);
        return name.startsWith("BRAIN_TRUST_") || name.startsWith("WEBHOOK_SECRET");
    }

    private static SkillParam parseParam(String value, List<SkillParam> earlier) {
        Matcher p = PARAM.matcher(value);
        if (!p.matches()) {
            throw new IllegalArgumentException("its header line '# PARAM: " + value
                    + "' is not of the form '# PARAM: name (str) - description'");
        }
        String paramName = p.group(1);
        if (earlier.stream().anyMatch(e -> e.name().equals(paramName))) {
            throw new IllegalArgumentException("it declares the parameter '" + paramName + "' twice");
        }
        String type = p.group(2) == null ? "str" : p.group(2).toLowerCase();
        boolean required = !"optional".equalsIgnoreCase(p.group(3));
        String description = p.group(4) == null ? "" : p.group(4).strip();
        return new SkillParam(paramName, type, description, required);
    }
}
