package dev.braintrust.context;

/**
 * How much of the repository's content is read into memory: a file larger than
 * {@code fileBytes} is skipped with a warning (never read), and a snapshot holds at most
 * {@code totalBytes}, files being taken in load order (MISSION, GOALS, BELIEFS, IDENTITY first).
 *
 * @param fileBytes  BRAIN_TRUST_CONTEXT_FILE_LIMIT, default 1 MiB; also bounds workflow files
 * @param totalBytes BRAIN_TRUST_CONTEXT_LIMIT, default 8 MiB
 */
public record ContextLimits(long fileBytes, long totalBytes) {
    public static final long MIB = 1024 * 1024;
    public static final ContextLimits DEFAULT = new ContextLimits(MIB, 8 * MIB);

    public ContextLimits {
        if (fileBytes < 1 || totalBytes < 1) {
            throw new IllegalArgumentException("limits are at least one byte");
        }
    }

    /** 28.6 MiB, 300.5 KiB, 2001 bytes: a size as a person reads it, exact below 10 KiB. */
    public static String describe(long bytes) {
        if (bytes >= MIB) {
            return trim(String.format(java.util.Locale.ROOT, "%.1f", bytes / (double) MIB)) + " MiB";
        }
        if (bytes >= 10 * 1024) {
            return trim(String.format(java.util.Locale.ROOT, "%.1f", bytes / 1024.0)) + " KiB";
        }
        return bytes + (bytes == 1 ? " byte" : " bytes");
    }

    private static String trim(String number) {
        return number.endsWith(".0") ? number.substring(0, number.length() - 2) : number;
    }
}
