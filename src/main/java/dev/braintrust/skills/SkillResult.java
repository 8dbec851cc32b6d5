package dev.braintrust.skills;

import java.time.Duration;

/**
 * What one run of a skill produced.
 *
 * @param exitCode   the script's exit code, or -1 when it was killed on timeout
 * @param output     captured standard output, at most the configured cap
 * @param truncated  true when the script wrote more than the cap (the rest was discarded)
 * @param stderrTail the last few KiB of standard error
 * @param timedOut   true when the script was killed (with its child processes) after the timeout
 */
public record SkillResult(String skill, int exitCode, String output, boolean truncated, String stderrTail,
                          boolean timedOut, Duration duration) {

    public boolean ok() {
        return exitCode == 0 && !timedOut;
    }

    /** {@code ok}, {@code failed} (non-zero exit) or {@code timeout}: the label metrics count runs by. */
    public String outcome() {
        return timedOut ? SkillRunner.TIMEOUT : exitCode == 0 ? SkillRunner.OK : SkillRunner.FAILED;
    }

    /** One line describing a failure, for logs, tool results and error messages. */
    public String failureSummary() {
        if (timedOut) {
            return "skill '" + skill + "' timed out after " + duration.toMillis() + " ms and was stopped";
        }
        String tail = stderrTail.strip();
        return "skill '" + skill + "' exited with code " + exitCode + (tail.isEmpty() ? "" : ": " + lastLines(tail, 5));
    }

    private static String lastLines(String text, int count) {
        String[] lines = text.split("\n");
        int from = Math.max(0, lines.length - count);
        return String.join(" | ", java.util.Arrays.copyOfRange(lines, from, lines.length));
    }
}
