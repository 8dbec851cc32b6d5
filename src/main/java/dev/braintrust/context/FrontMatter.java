package dev.braintrust.context;

import java.util.Optional;

/**
 * The front matter a context file may start with: a first line {@code ---}, lines of
 * {@code key: value}, and a closing {@code ---} (or {@code ...}), as static-site generators write it.
 * Only {@code privacy} means something to Brain Trust; the whole block is always taken out of the
 * text agents receive. A file whose first line is {@code ---} but whose next lines are not
 * {@code key: value} pairs up to a closing line has no front matter (it starts with a rule).
 *
 * <p>Written by hand rather than with a YAML library: the block is a few flat {@code key: value}
 * lines, and a YAML parser would be the only reason to ship SnakeYAML in the jar.
 *
 * @param privacy the file's tier: {@link Privacy#PUBLIC} without front matter or without a
 *                {@code privacy} key, {@link Privacy#NEVER} when the value is not a known tier
 * @param body    the text after the front matter (the whole text when there is none)
 * @param problem a warning for the user when the value is not a known tier; null otherwise
 */
record FrontMatter(Privacy privacy, String body, String problem) {
    /** Front matter longer than this is not front matter: nobody writes 200 lines of settings above a note. */
    static final int MAX_LINES = 200;

    /** Reads the front matter of a file's text. {@code fileName} only names the file in the warning. */
    static FrontMatter parse(String fileName, String text) {
        String t = text.startsWith("\uFEFF") ? text.substring(1) : text;
        if (!t.startsWith("---")) {
            return new FrontMatter(Privacy.PUBLIC, text, null);
        }
        String[] lines = t.split("\r?\n", MAX_LINES + 2);
        if (!lines[0].strip().equals("---")) {
            return new FrontMatter(Privacy.PUBLIC, text, null);
        }
        String value = null;
        int closing = -1;
        for (int i = 1; i < lines.length && i <= MAX_LINES; i++) {
            String line = lines[i].strip();
            if (line.equals("---") || line.equals("...")) {
                closing = i;
                break;
            }
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0 || !line.substring(0, colon).strip().matches("[A-Za-z0-9_-]+")) {
                return new FrontMatter(Privacy.PUBLIC, text, null); // not key: value, so a rule and text
            }
            if (line.substring(0, colon).strip().equalsIgnoreCase("privacy")) {
                value = withoutComment(line.substring(colon + 1));
            }
        }
        if (closing < 0) {
            return new FrontMatter(Privacy.PUBLIC, text, null);
        }
        String body = bodyAfter(t, closing);
        if (value == null) {
            return new FrontMatter(Privacy.PUBLIC, body, null);
        }
        Optional<Privacy> tier = Privacy.parse(value);
        if (tier.isPresent()) {
            return new FrontMatter(tier.get(), body, null);
        }
        return new FrontMatter(Privacy.NEVER, body, "context/" + fileName + " says 'privacy: " + value.strip()
                + "', which is not public, local or never; it is treated as never (sent to no model) until you fix it");
    }

    private static String withoutComment(String value) {
        int hash = value.indexOf(" #");
        return (hash >= 0 ? value.substring(0, hash) : value).strip();
    }

    /** The text after line {@code closing} (0-based), keeping the body's own line breaks. */
    private static String bodyAfter(String text, int closing) {
        int at = 0;
        for (int i = 0; i <= closing; i++) {
            int newline = text.indexOf('\n', at);
            if (newline < 0) {
                return "";
            }
            at = newline + 1;
        }
        return text.substring(at);
    }
}
