package dev.braintrust.sync;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The few top-level fields of a verified push delivery that decide what to do, read with Jackson's
 * streaming parser: everything else (commits, files, the repository object) is skipped without
 * being decoded, so a 25 MiB payload costs a buffer, not a tree.
 *
 * <p>Bodies come as JSON, or form-encoded as GitHub sends them when the hook's content type is
 * {@code application/x-www-form-urlencoded}: {@code payload=<the JSON, URL-encoded>}.
 *
 * @param ref       {@code refs/heads/main}; null when absent
 * @param after     the commit the branch points to after the push; all zeros when it was deleted
 * @param deleted   GitHub's {@code "deleted": true}
 * @param eventName GitLab System Hooks' {@code event_name} ({@code push}, {@code tag_push}, ...)
 */
record PushPayload(String ref, String after, boolean deleted, String eventName) {
    private static final Set<String> FIELDS = Set.of("ref", "after", "deleted", "event_name");
    private static final int LONGEST_VALUE = 4096;
    private static final JsonFactory JSON = JsonFactory.builder()
            .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
            .build();

    /** True when the push removed the branch (GitHub says so; GitLab and Gitea send an all-zero {@code after}). */
    boolean branchDeleted() {
        return deleted || (after != null && after.length() >= 40 && after.chars().allMatch(c -> c == '0'));
    }

    /** Thrown for a body that is not a JSON object (or a form with a {@code payload} that is one). */
    static final class NotAPush extends Exception {
        NotAPush(String why) {
            super(why, null, false, false);
        }
    }

    static boolean isForm(String contentType) {
        return contentType != null
                && contentType.strip().toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded");
    }

    /**
     * @param form the body was labelled form-encoded; one that is JSON all the same (curl -d labels every body
     *             so) is read as JSON, since no form field's name starts with a brace
     */
    static PushPayload read(InputStream body, boolean form) throws IOException, NotAPush {
        Map<String, String> values = new HashMap<>();
        java.io.PushbackInputStream in = new java.io.PushbackInputStream(body, 1);
        if (form) {
            int first = in.read();
            while (first == ' ' || first == '\t' || first == '\r' || first == '\n') {
                first = in.read();
            }
            if (first >= 0) {
                in.unread(first);
            }
            form = first != '{';
        }
        try (JsonParser p = JSON.createParser(form ? new FormField(in, "payload") : in)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new NotAPush(form ? "the form has no 'payload' field holding a JSON object" : "the body is not a JSON object");
            }
            for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if (value.isScalarValue() && FIELDS.contains(name) && !values.containsKey(name)) {
                    String text = p.getText();
                    values.put(name, text.length() > LONGEST_VALUE ? text.substring(0, LONGEST_VALUE) : text);
                } else {
                    p.skipChildren();
                }
            }
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new NotAPush("the body is not valid JSON: " + e.getOriginalMessage());
        }
        return new PushPayload(values.get("ref"), values.get("after"), "true".equals(values.get("deleted")),
                values.get("event_name"));
    }

    /**
     * The URL-decoded value of one field of an {@code application/x-www-form-urlencoded} body, as a
     * stream ({@code java.net.URLDecoder} wants the whole text in memory). Other fields are skipped;
     * a field with no such name reads as empty.
     */
    static final class FormField extends InputStream {
        private final InputStream in;
        private final byte[] name;
        private boolean inValue;
        private boolean finished;

        FormField(InputStream in, String name) {
            this.in = new java.io.BufferedInputStream(in, 64 * 1024);
            this.name = name.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        }

        @Override
        public int read() throws IOException {
            while (!finished && !inValue) {
                findField();
            }
            if (finished) {
                return -1;
            }
            int c = in.read();
            if (c < 0 || c == '&') {
                finished = true;
                return -1;
            }
            if (c == '+') {
                return ' ';
            }
            if (c == '%') {
                int hi = Character.digit(in.read(), 16);
                int lo = Character.digit(in.read(), 16);
                if (hi < 0 || lo < 0) {
                    throw new IOException("bad %-escape in the form body");
                }
                return hi << 4 | lo;
            }
            return c;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = 0;
            while (n < len) {
                int c = read();
                if (c < 0) {
                    return n == 0 ? -1 : n;
                }
                b[off + n++] = (byte) c;
            }
            return n;
        }

        /** Reads one {@code key=} and either stops inside its value (the wanted key) or skips to the next field. */
        private void findField() throws IOException {
            int matched = 0;
            boolean matches = true;
            for (int c; ; ) {
                c = in.read();
                if (c < 0) {
                    finished = true;
                    return;
                }
                if (c == '=') {
                    if (matches && matched == name.length) {
                        inValue = true;
                        return;
                    }
                    break;
                }
                if (c == '&') {
                    return; // a key without a value
                }
                matches &= matched < name.length && name[matched] == c;
                matched++;
            }
            for (int c; ; ) { // skip this field's value
                c = in.read();
                if (c < 0) {
                    finished = true;
                    return;
                }
                if (c == '&') {
                    return;
                }
            }
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
