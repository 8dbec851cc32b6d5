package dev.braintrust.context;

import java.util.Objects;

/**
 * One Markdown file of a context snapshot.
 *
 * @param name    file name inside {@code context/}, e.g. {@code MISSION.md}
 * @param content the text, decoded as UTF-8 (invalid bytes replaced) and stripped
 * @param bytes   size on disk
 * @param sha256  hex SHA-256 of the raw bytes
 */
public record ContextFile(String name, String content, long bytes, String sha256) {
    public ContextFile {
        Objects.requireNonNull(name);
        Objects.requireNonNull(content);
        Objects.requireNonNull(sha256);
    }

    /** The name without {@code .md}. */
    public String stem() {
        return name.endsWith(".md") ? name.substring(0, name.length() - 3) : name;
    }
}
