package dev.braintrust.context;

import dev.braintrust.testing.Files2;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;

class ContextLoadingTest {
    @TempDir
    Path dir;

    private ContextSnapshot load() {
        return new FolderContextSource(dir, Clock.systemUTC()).load();
    }

    @Test
    void loads_the_four_telos_files_first_then_the_others_by_name() {
        for (String name : new String[]{"ZETA.md", "IDENTITY.md", "BELIEFS.md", "RESEARCH.md", "GOALS.md", "MISSION.md", "alpha.md"}) {
            Files2.write(dir.resolve(name), "text of " + name);
        }
        Files2.write(dir.resolve("notes.txt"), "not markdown");
        Files2.write(dir.resolve(".hidden.md"), "hidden");

        assertThat(load().files()).extracting(ContextFile::name).containsExactly(
                "MISSION.md", "GOALS.md", "BELIEFS.md", "IDENTITY.md", "RESEARCH.md", "ZETA.md", "alpha.md");
    }

    @Test
    void records_size_and_sha256_of_each_file() throws Exception {
        Files2.write(dir.resolve("MISSION.md"), "  Build things.  \n");
        ContextFile mission = load().file("MISSION.md").orElseThrow();

        byte[] raw = Files.readAllBytes(dir.resolve("MISSION.md"));
        assertThat(mission.bytes()).isEqualTo(raw.length);
        assertThat(mission.sha256()).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(raw)));
        assertThat(mission.content()).isEqualTo("Build things.");
    }

    @Test
    void the_revision_is_a_content_hash_that_changes_with_any_file() {
        Files2.write(dir.resolve("MISSION.md"), "one");
        String first = load().revision();
        assertThat(load().revision()).isEqualTo(first);

        Files2.write(dir.resolve("EXTRA.md"), "more");
        String second = load().revision();
        assertThat(second).isNotEqualTo(first);

        Files2.write(dir.resolve("EXTRA.md"), "changed");
        assertThat(load().revision()).isNotEqualTo(second);
    }

    @Test
    void a_missing_expected_file_is_a_warning_not_a_failure() {
        Files2.write(dir.resolve("MISSION.md"), "m");
        ContextSnapshot s = load();
        assertThat(s.missing()).containsExactly("GOALS.md", "BELIEFS.md");
        assertThat(s.warnings()).anySatisfy(w -> assertThat(w).contains("GOALS.md is missing").contains("brain-trust init"));
        assertThat(s.missing()).doesNotContain("IDENTITY.md");
    }

    @Test
    void an_empty_file_is_reported_by_name() {
        Files2.write(dir.resolve("GOALS.md"), "  \n\n");
        assertThat(load().warnings()).anySatisfy(w -> assertThat(w).contains("GOALS.md is empty"));
    }

    @Test
    void an_unreadable_file_is_reported_by_name_and_the_rest_still_loads() throws Exception {
        Files2.write(dir.resolve("MISSION.md"), "m");
        Files.createSymbolicLink(dir.resolve("LOOP.md"), dir.resolve("LOOP.md")); // reading it fails: too many links
        ContextSnapshot s = load();
        assertThat(s.warnings()).anySatisfy(w -> assertThat(w).contains("LOOP.md cannot be read"));
        assertThat(s.file("MISSION.md")).isPresent();
    }

    @Test
    void a_non_utf8_file_is_loaded_with_a_warning() throws Exception {
        Files.write(dir.resolve("BELIEFS.md"), new byte[]{'o', 'k', ' ', (byte) 0xC3, (byte) 0x28, ' ', 'x'});
        ContextSnapshot s = load();
        assertThat(s.warnings()).anySatisfy(w -> assertThat(w).contains("BELIEFS.md is not valid UTF-8").contains("re-save"));
        assertThat(s.text("BELIEFS.md")).startsWith("ok ").endsWith(" x");
    }

    @Test
    void a_file_over_one_mebibyte_is_loaded_with_a_warning() {
        Files2.write(dir.resolve("HUGE.md"), "x".repeat(1024 * 1024 + 10));
        ContextSnapshot s = load();
        assertThat(s.text("HUGE.md")).hasSize(1024 * 1024 + 10);
        assertThat(s.warnings()).anySatisfy(w -> assertThat(w).contains("HUGE.md").contains("over 1 MiB"));
    }
}
