package dev.braintrust.context;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Turns the raw bytes of a context folder (from disk or from a commit) into a snapshot:
 * the order, the checks and the hashes are the same whatever the source.
 */
public final class ContextAssembler {
    /** The files every user is expected to have, in load order. */
    public static final List<String> EXPECTED = List.of("MISSION.md", "GOALS.md", "BELIEFS.md");
    /** The four TELOS files in load order; IDENTITY.md is optional. */
    public static final List<String> TELOS = List.of("MISSION.md", "GOALS.md", "BELIEFS.md", "IDENTITY.md");
    public static final long LARGE_FILE_BYTES = 1024 * 1024;

    private ContextAssembler() {
    }

    /** True for names a context folder may hold: {@code *.md}, no hidden files, no folders. */
    public static boolean isContextFileName(String name) {
        return name.endsWith(".md") && !name.startsWith(".") && name.length() > 3
                && name.indexOf('/') < 0 && name.indexOf('\\') < 0;
    }

    /**
     * @param revision  the revision to record, or null to compute a content hash
     * @param raw       file name to bytes, for every readable {@code *.md}
     * @param unreadable file name to reason, for files that exist but could not be read
     */
    public static ContextSnapshot assemble(String revision, Map<String, byte[]> raw, Map<String, String> unreadable, Clock clock) {
        List<String> warnings = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (String expected : EXPECTED) {
            if (!raw.containsKey(expected) && !unreadable.containsKey(expected)) {
                missing.add(expected);
                warnings.add("context/" + expected + " is missing; create it (run 'brain-trust init' for an example)");
            }
        }
        unreadable.forEach((name, why) ->
                warnings.add("context/" + name + " cannot be read (" + why + "); fix its permissions or remove it"));

        List<ContextFile> files = new ArrayList<>();
        MessageDigest revisionHash = sha256();
        for (String name : raw.keySet().stream().sorted(LOAD_ORDER).toList()) {
            byte[] bytes = raw.get(name);
            String sha = HexFormat.of().formatHex(sha256().digest(bytes));
            revisionHash.update((name + "\0" + sha + "\n").getBytes(StandardCharsets.UTF_8));
            FrontMatter front = FrontMatter.parse(name, decode(name, bytes, warnings));
            if (front.problem() != null) {
                warnings.add(front.problem());
            }
            String text = front.body().strip();
            if (text.isEmpty()) {
                warnings.add("context/" + name + " is empty; write something in it or delete it");
            }
            if (bytes.length > LARGE_FILE_BYTES) {
                warnings.add("context/" + name + " is " + (bytes.length / 1024) + " KiB, over 1 MiB; it is loaded, "
                        + "but every prompt carries it: consider trimming it");
            }
            files.add(new ContextFile(name, text, bytes.length, sha, front.privacy()));
        }
        String rev = revision != null ? revision : HexFormat.of().formatHex(revisionHash.digest()).substring(0, 16);
        return new ContextSnapshot(rev, clock.instant(), files, missing, warnings);
    }

    /** MISSION, GOALS, BELIEFS, IDENTITY first, then the rest by name. */
    static final Comparator<String> LOAD_ORDER = Comparator
            .comparingInt((String n) -> TELOS.contains(n) ? TELOS.indexOf(n) : TELOS.size())
            .thenComparing(Comparator.naturalOrder());

    private static String decode(String name, byte[] bytes, List<String> warnings) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            warnings.add("context/" + name + " is not valid UTF-8; bad bytes were replaced: re-save the file as UTF-8");
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
