package dev.braintrust.skills;

/** A file in {@code skills/} that is not offered as a skill, and why (one line saying what to do). */
public record SkippedScript(String file, String reason) {
}
