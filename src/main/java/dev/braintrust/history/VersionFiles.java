package dev.braintrust.history;

import java.util.List;

/** A version and the files it holds under {@code context/}, {@code skills/} and {@code workflows/}. */
public record VersionFiles(Version version, List<Entry> files) {
    public VersionFiles {
        files = List.copyOf(files);
    }

    /** One file of a version: its path, size and whether it is executable (a skill). */
    public record Entry(String path, long bytes, boolean executable) {
    }
}
