package dev.braintrust.context;

import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;
import java.util.Optional;

/**
 * Who may receive a context file, from its front matter ({@code privacy: public | local | never}).
 * The same values name a destination's clearance: a model (or a client such as MCP) cleared for
 * {@link #PUBLIC} receives public files only; one cleared for {@link #LOCAL} — a model on this
 * machine or the user's own network — receives public and local files. {@link #NEVER} files go
 * to nobody; they are only shown to the user.
 */
public enum Privacy {
    /** The default: sent to every model. */
    PUBLIC,
    /** Sent only to local models; others get one line saying a private file was withheld. */
    LOCAL,
    /** Never sent to any model or client. */
    NEVER;

    @JsonValue
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The tier written as {@code value} (case-insensitive, quotes allowed), or empty when it is not one of the three. */
    public static Optional<Privacy> parse(String value) {
        if (value == null) {
            return Optional.empty();
        }
        String v = value.strip().toLowerCase(Locale.ROOT);
        if (v.length() >= 2 && (v.startsWith("\"") && v.endsWith("\"") || v.startsWith("'") && v.endsWith("'"))) {
            v = v.substring(1, v.length() - 1).strip();
        }
        for (Privacy p : values()) {
            if (p.label().equals(v)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** True when a destination of this clearance may receive a file of tier {@code file}. */
    public boolean admits(Privacy file) {
        return file != NEVER && file.ordinal() <= ordinal() && this != NEVER;
    }
}
