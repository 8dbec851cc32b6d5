package dev.braintrust.journal;

import java.util.Objects;

/**
 * One tool call an agent made during a step, as stored and as sent to subscribers. What a model
 * sends is not bounded, so the arguments are kept up to {@link #MAX_ARGUMENT_CHARS} (then cut and
 * marked truncated), and the output up to {@link #EXCERPT_CHARS}.
 *
 * @param tool          the skill's name as the model asked for it
 * @param arguments     the arguments as the model sent them (JSON text), cut past 64 Ki characters
 * @param outputExcerpt the start of what was returned to the model
 * @param outcome       ok, failed (non-zero exit), timed_out, rejected (bad arguments or unknown tool)
 */
public record ToolCallRecord(String tool, String arguments, String outputExcerpt, long durationMs, String outcome) {
    public static final int EXCERPT_CHARS = 2000;
    public static final int MAX_ARGUMENT_CHARS = 64 * 1024;
    static final int MAX_TOOL_NAME_CHARS = 256;
    private static final String TRUNCATED = "… [truncated: the model sent %d characters]";

    public ToolCallRecord {
        Objects.requireNonNull(tool);
        Objects.requireNonNull(outcome);
        tool = excerpt(tool, MAX_TOOL_NAME_CHARS);
        arguments = arguments == null ? "" : capped(arguments);
        outputExcerpt = excerpt(outputExcerpt, EXCERPT_CHARS);
    }

    /** At most {@link #MAX_ARGUMENT_CHARS} characters, the mark included, so that capping twice changes nothing. */
    private static String capped(String text) {
        if (text.length() <= MAX_ARGUMENT_CHARS) {
            return text;
        }
        String mark = String.format(java.util.Locale.ROOT, TRUNCATED, text.length());
        int keep = MAX_ARGUMENT_CHARS - mark.length();
        if (Character.isHighSurrogate(text.charAt(keep - 1))) {
            keep--;
        }
        return text.substring(0, keep) + mark;
    }

    public static String excerpt(String text, int chars) {
        if (text == null) {
            return "";
        }
        return text.length() <= chars ? text : text.substring(0, chars) + "…";
    }
}
