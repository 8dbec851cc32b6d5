package dev.braintrust.truth;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Only the seam ({@code dev.braintrust.truth}) asks whether the source of truth is the folder or a repository: every
 * other class of the program gets what differs from a {@link SourceOfTruth}. A plain scan of the sources, so a new
 * {@code if (config.cloudMode())} anywhere else fails here with its file and line.
 */
class OneSeamTest {
    private static final Path SOURCES = Path.of("src/main/java/dev/braintrust");
    private static final String SEAM = "truth/";

    /** What asking "cloud or local?" looks like, and the folders (besides the seam) where each may appear. */
    private static final Map<Pattern, List<String>> QUESTIONS = Map.of(
            Pattern.compile("\\bcloudMode\\(\\)"), List.of("Config.java"),
            Pattern.compile("\\bisCloud\\w*\\(|\\bisLocal\\w*\\("), List.of(),
            Pattern.compile("\\.sync\\(\\)\\s*\\.\\s*(orElse|orElseThrow|orElseGet|ifPresent|isPresent|isEmpty|map)\\b"), List.of(),
            Pattern.compile("(truth|status|report|\\bs)\\(?\\)?\\.mode\\(\\)\\s*(\\.equals|[=!]=)|equals\\(\\s*\"cloud\"\\s*\\)|\"cloud\"\\.equals"), List.of(),
            Pattern.compile("instanceof\\s+(GitMirror|SyncService|MirrorTruth|FolderTruth|LocalHistory)\\b"), List.of(),
            Pattern.compile("\\bGitMirror\\.open\\(|\\bnew SyncService\\(|\\bnew FolderWatcher\\(|\\bLocalHistory\\.open\\("),
            List.of("sync/", "history/"),
            Pattern.compile("\\bwebhookWithoutMirror\\(|\\bhandleWebhookWithoutMirror\\("), List.of("sync/"));

    @Test
    void no_class_outside_the_seam_asks_whether_the_source_is_the_folder_or_a_repository() throws IOException {
        List<String> found = new ArrayList<>();
        for (Path file : javaFiles()) {
            String relative = SOURCES.relativize(file).toString().replace('\\', '/');
            if (relative.startsWith(SEAM)) {
                continue;
            }
            List<String> lines = Files.readAllLines(file);
            QUESTIONS.forEach((question, allowedIn) -> {
                if (allowedIn.stream().anyMatch(relative::startsWith)) {
                    return;
                }
                for (int i = 0; i < lines.size(); i++) {
                    String code = withoutComment(lines.get(i));
                    Matcher m = question.matcher(code);
                    if (m.find()) {
                        found.add(relative + ":" + (i + 1) + ": " + code.strip());
                    }
                }
            });
        }
        assertThat(found).as("ask the SourceOfTruth (BrainTrust.truth()) instead").isEmpty();
    }

    @Test
    void the_scan_sees_the_question_where_it_is_asked() throws IOException {
        // the seam itself decides, so the patterns above would find it there: the scan reads real code
        String sources = Files.readString(SOURCES.resolve(SEAM + "Sources.java"));
        assertThat(QUESTIONS.keySet()).anySatisfy(q -> assertThat(q.matcher(sources).find()).isTrue());
        assertThat(javaFiles()).hasSizeGreaterThan(100);
    }

    private static List<Path> javaFiles() throws IOException {
        try (Stream<Path> files = Files.walk(SOURCES)) {
            return files.filter(f -> f.toString().endsWith(".java")).sorted().toList();
        }
    }

    private static String withoutComment(String line) {
        String stripped = line.strip();
        if (stripped.startsWith("*") || stripped.startsWith("/*") || stripped.startsWith("//")) {
            return "";
        }
        int comment = line.indexOf("// ");
        return comment < 0 ? line : line.substring(0, comment);
    }
}
