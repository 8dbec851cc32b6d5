package dev.braintrust.skills;

/**
 * A variable a skill declares with {@code # ENV:}, and whether the server has a value to give it
 * (in its environment, or in the file its {@code _FILE} variable names). Never the value.
 */
public record SkillVariable(String name, boolean set) {
}
