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

    private ContextAssembler() {
    }

    /** True for names a context folder may hold: {@code *.md}, no hidden files, no folders. */
    public static boolean isContextFileName(String name) {
        return name.endsWith(".md") && !name.startsWith(".") && name.length() > 3
                && name.indexOf('/') < 0 && name.indexOf('\\') < 0;
    }

    /** The names in the order they are loaded: the four TELOS files first, then the others by name. */
    public static List<String> inLoadOrder(java.util.Collection<String> names) {
        return names.stream().sorted(LOAD_ORDER).toList();
    }

    /**
     * Collects one snapshot's files under {@link ContextLimits}. A source lists its entries, then
     * offers them in {@link #inLoadOrder load order}: {@link #admit} before reading anything (a file
     * too large, or one that would take the snapshot over its total, is never read), then
     * {@link #add} with the bytes read. Entries that are not files are {@link #notAFile reported}.
     */
    public static final class Gathering {
        private final ContextLimits limits;
        private final Map<String, byte[]> raw = new java.util.LinkedHashMap<>();
        private final java.util.Set<String> present = new java.util.HashSet<>();
        private final java.util.Set<String> notFiles = new java.util.HashSet<>();
        private final List<String> problems = new ArrayList<>();
        private final Map<String, Long> reserved = new java.util.HashMap<>();
        private long admitted;

        public Gathering(ContextLimits limits) {
            this.limits = limits;
        }

        /**
         * True when a file of {@code size} bytes fits: the caller then reads at most
         * {@link #readLimit()} bytes of it and {@link #add adds} them. False when it does not fit;
         * the warning names the file, its size and the limit.
         */
        public boolean admit(String name, long size) {
            present.add(name);
            if (size > limits.fileBytes()) {
                problems.add("context/" + name + " is " + ContextLimits.describe(size) + ", over the limit of "
                        + ContextLimits.describe(limits.fileBytes()) + " for one file (BRAIN_TRUST_CONTEXT_FILE_LIMIT); "
                        + "it is left out of every prompt: trim or split it");
                return false;
            }
            if (size > limits.totalBytes() - admitted) {
                problems.add("context/" + name + " (" + ContextLimits.describe(size) + ") is left out: with it the context "
                        + "would be over " + ContextLimits.describe(limits.totalBytes()) + " in all (BRAIN_TRUST_CONTEXT_LIMIT); "
                        + "trim the context files");
                return false;
            }
            admitted += size;
            reserved.put(name, size);
            return true;
        }

        /** How many bytes to read of an admitted file, at most: one more than the file limit, to see that it grew. */
        public int readLimit() {
            return (int) Math.min(Integer.MAX_VALUE - 8, limits.fileBytes() + 1);
        }

        /** The bytes read of an admitted file. One that grew past the limits since it was measured is left out. */
        public void add(String name, byte[] bytes) {
            admitted -= reserved.getOrDefault(name, 0L);
            reserved.remove(name);
            if (admit(name, bytes.length)) {
                raw.put(name, bytes);
            }
        }

        /** An entry named like a context file that is a folder, a pipe, a device or a link: it is not read. */
        public void notAFile(String name, String what) {
            notFiles.add(name);
            problems.add("context/" + name + " is " + what + ", not a file; it is not read: rename or remove it");
        }

        /** A folder in {@code context/} whose name is not a context file's: what is inside it is not loaded. */
        public void subfolder(String name) {
            problems.add("context/" + name + "/ is a folder: only the *.md files directly in context/ are loaded, not the ones inside it");
        }

        /** A file that exists but could not be read. */
        public void unreadable(String name, String why) {
            present.add(name);
            problems.add("context/" + name + " cannot be read (" + why + "); fix its permissions or remove it");
        }

        /** @param revision the revision to record, or null to compute a content hash */
        public ContextSnapshot snapshot(String revision, Clock clock) {
            return assemble(revision, raw, present, notFiles, problems, clock);
        }
    }

    private static ContextSnapshot assemble(String revision, Map<String, byte[]> raw, java.util.Set<String> present,
                                            java.util.Set<String> notFiles, List<String> problems, Clock clock) {
        List<String> warnings = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (String expected : EXPECTED) {
            if (!present.contains(expected)) {
                missing.add(expected);
                if (!notFiles.contains(expected)) { // a folder of that name has its own warning, saying so
                    warnings.add("context/" + expected + " is missing; create it (run 'brain-trust init' for an example)");
                }
            }
        }
        warnings.addAll(problems);

        List<ContextFile> files = new ArrayList<>();
        MessageDigest revisionHash = sha256();
        for (String name : inLoadOrder(raw.keySet())) {
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
