package dev.braintrust.context;

import java.util.Objects;

/**
 * One Markdown file of a context snapshot.
 *
 * @param name    file name inside {@code context/}, e.g. {@code MISSION.md}
 * @param content the text agents receive: decoded as UTF-8 (invalid bytes replaced), without its
 *                front matter, stripped
 * @param bytes   size on disk
 * @param sha256  hex SHA-256 of the raw bytes (front matter included)
 * @param privacy who may receive it, from its front matter (see {@link FrontMatter})
 */
public record ContextFile(String name, String content, long bytes, String sha256, Privacy privacy) {
    public ContextFile {
        Objects.requireNonNull(name);
        Objects.requireNonNull(content);
        Objects.requireNonNull(sha256);
        Objects.requireNonNull(privacy);
    }

    /** A public file (no front matter). */
    public ContextFile(String name, String content, long bytes, String sha256) {
        this(name, content, bytes, sha256, Privacy.PUBLIC);
    }

    /** The name without {@code .md}. */
    public String stem() {
        return name.endsWith(".md") ? name.substring(0, name.length() - 3) : name;
    }
}
