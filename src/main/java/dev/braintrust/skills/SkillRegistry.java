package dev.braintrust.skills;

import dev.braintrust.BrainTrustException;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The skills found in {@code skills/}: every regular file with the executable bit and a valid
 * header. The scan is cached until {@link #invalidate()} (called by the file watcher or a sync)
 * or until it is older than the TTL, so a new or edited script is seen without a restart.
 */
public final class SkillRegistry {
    /** How much of a script is read for its header. */
    static final int HEADER_BYTES = 64 * 1024;
    private final Supplier<Path> folder;
    private final long ttlNanos;
    private volatile Scan scan;

    /** The result of one scan of the folder. */
    public record Scan(List<Skill> skills, List<SkippedScript> skipped, long scannedAtNanos) {
        public Scan {
            skills = List.copyOf(skills);
            skipped = List.copyOf(skipped);
        }
    }

    /**
     * @param folder where the scripts are; a supplier because in cloud mode it is the current
     *               checkout of the mirror, which changes with each sync
     */
    public SkillRegistry(Supplier<Path> folder, Duration ttl) {
        this.folder = folder;
        this.ttlNanos = ttl.toNanos();
    }

    public List<Skill> list() {
        return current().skills();
    }

    public List<SkippedScript> skipped() {
        return current().skipped();
    }

    /**
     * @throws BrainTrustException.BadInput when the name could not be a skill name (path separators, dots)
     * @throws BrainTrustException.NotFound when no skill has this name
     */
    public Skill find(String name) {
        if (name == null || !SkillHeaderParser.VALID_NAME.matcher(name).matches()) {
            throw new BrainTrustException.BadInput("'" + name + "' is not a skill name: names use letters, digits, '_' and '-' only");
        }
        return list().stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> new BrainTrustException.NotFound("no skill named '" + name + "'; 'brain-trust skills list' shows the skills there are"));
    }

    public void invalidate() {
        scan = null;
    }

    private Scan current() {
        Scan s = scan;
        if (s == null || System.nanoTime() - s.scannedAtNanos() >= ttlNanos) {
            s = scanNow();
            scan = s;
        }
        return s;
    }

    private Scan scanNow() {
        Path dir = folder.get();
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            entries.forEach(files::add);
        } catch (NoSuchFileException e) {
            return new Scan(List.of(), List.of(), System.nanoTime());
        } catch (IOException e) {
            throw new BrainTrustException.Unavailable("cannot list " + dir + ": " + e.getMessage(), e);
        }
        files.sort(Comparator.comparing(p -> p.getFileName().toString()));
        Map<String, Skill> skills = new LinkedHashMap<>();
        List<SkippedScript> skipped = new ArrayList<>();
        for (Path file : files) {
            String fileName = file.getFileName().toString();
            if (isIgnored(fileName) || Files.isDirectory(file)) {
                continue;
            }
            if (!Files.isRegularFile(file)) {
                skipped.add(new SkippedScript(fileName, "not a regular file (a named pipe, socket or device, or a broken link); "
                        + "it is never read or run"));
                continue;
            }
            if (!Files.isExecutable(file)) {
                skipped.add(new SkippedScript(fileName, "not executable; run 'chmod +x skills/" + fileName + "' to make it a skill"));
                continue;
            }
            try {
                Skill skill = SkillHeaderParser.parse(file, headerLines(file));
                Skill earlier = skills.putIfAbsent(skill.name(), skill);
                if (earlier != null) {
                    skipped.add(new SkippedScript(fileName, "its name '" + skill.name() + "' is already used by "
                            + earlier.script().getFileName() + "; give it another '# NAME:'"));
                }
            } catch (IllegalArgumentException e) {
                skipped.add(new SkippedScript(fileName, e.getMessage()));
            } catch (IOException e) {
                skipped.add(new SkippedScript(fileName, "cannot be read (" + e.getClass().getSimpleName() + ")"));
            }
        }
        return new Scan(new ArrayList<>(skills.values()), skipped, System.nanoTime());
    }

    /**
     * The first lines of the script, read from at most {@link #HEADER_BYTES}: a script of any size
     * (a binary, a one-line minified file) costs no more to scan. A binary has no header: its file stem names it.
     */
    static List<String> headerLines(Path file) throws IOException {
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(HEADER_BYTES);
        }
        List<String> lines = new ArrayList<>();
        int from = 0;
        while (from < head.length && lines.size() < SkillHeaderParser.HEADER_LINES) {
            int end = from;
            while (end < head.length && head[end] != '\n') {
                end++;
            }
            if (end == head.length && head.length == HEADER_BYTES) {
                break; // cut by the bound: not a whole line
            }
            try {
                lines.add(StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(head, from, end - from))
                        .toString().replace("\r", ""));
            } catch (CharacterCodingException e) {
                return List.of();
            }
            from = end + 1;
        }
        return lines;
    }

    private static boolean isIgnored(String fileName) {
        return fileName.startsWith(".") || fileName.endsWith("~") || fileName.endsWith(".md")
                || fileName.endsWith(".txt") || fileName.endsWith(".swp") || fileName.endsWith(".tmp");
    }
}
