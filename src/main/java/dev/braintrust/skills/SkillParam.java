package dev.braintrust.skills;

/**
 * One parameter from a {@code # PARAM: name (type[, optional]) - description} header line.
 *
 * @param type as written: str, int, float, bool; unknown types are treated as strings
 */
public record SkillParam(String name, String type, String description, boolean required) {
}
