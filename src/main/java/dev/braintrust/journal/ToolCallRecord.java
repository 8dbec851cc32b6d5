package dev.braintrust.journal;

import java.util.Objects;

/**
 * One tool call an agent made during a step.
 *
 * @param tool          the skill's name as the model asked for it
 * @param arguments     the arguments as the model sent them (JSON text)
 * @param outputExcerpt the start of what was returned to the model
 * @param outcome       ok, failed (non-zero exit), timed_out, rejected (bad arguments or unknown tool)
 */
public record ToolCallRecord(String tool, String arguments, String outputExcerpt, long durationMs, String outcome) {
    public static final int EXCERPT_CHARS = 2000;

    public ToolCallRecord {
        Objects.requireNonNull(tool);
        Objects.requireNonNull(outcome);
        arguments = arguments == null ? "" : arguments;
        outputExcerpt = excerpt(outputExcerpt, EXCERPT_CHARS);
    }

    public static String excerpt(String text, int chars) {
        if (text == null) {
            return "";
        }
        return text.length() <= chars ? text : text.substring(0, chars) + "…";
    }
}
