package dev.braintrust.context;

import dev.braintrust.testing.Files2;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

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
    void a_file_over_the_file_limit_is_skipped_with_a_warning_naming_it_and_its_size() {
        Files2.write(dir.resolve("MISSION.md"), "m");
        Files2.write(dir.resolve("HUGE.md"), "x".repeat(3 * 1024 * 1024 + 10));
        ContextSnapshot s = load();
        assertThat(s.file("HUGE.md")).isEmpty();
        assertThat(s.file("MISSION.md")).isPresent();
        assertThat(s.warnings()).anySatisfy(w -> assertThat(w).contains("context/HUGE.md is 3 MiB, over the limit of 1 MiB")
                .contains("BRAIN_TRUST_CONTEXT_FILE_LIMIT"));
        assertThat(s.missing()).doesNotContain("HUGE.md");
    }

    @Test
    void the_file_limit_is_a_setting_and_a_file_at_the_limit_is_loaded() {
        Files2.write(dir.resolve("NOTES.md"), "n".repeat(2000));
        ContextLimits limits = new ContextLimits(2000, 10_000);
        assertThat(new FolderContextSource(dir, Clock.systemUTC(), limits).load().text("NOTES.md")).hasSize(2000);
        Files2.write(dir.resolve("NOTES.md"), "n".repeat(2001));
        assertThat(new FolderContextSource(dir, Clock.systemUTC(), limits).load().warnings())
                .anySatisfy(w -> assertThat(w).contains("NOTES.md is 2001 bytes, over the limit of 2000 bytes"));
    }

    @Test
    void the_snapshot_is_capped_in_all_and_the_telos_files_come_first() {
        Files2.write(dir.resolve("MISSION.md"), "m".repeat(400));
        Files2.write(dir.resolve("AAA.md"), "a".repeat(400)); // first by name, but after the TELOS files
        Files2.write(dir.resolve("GOALS.md"), "g".repeat(400));
        Files2.write(dir.resolve("ZZZ.md"), "z".repeat(100));
        ContextSnapshot s = new FolderContextSource(dir, Clock.systemUTC(), new ContextLimits(1000, 1000)).load();
        assertThat(s.files()).extracting(ContextFile::name).containsExactly("MISSION.md", "GOALS.md", "ZZZ.md");
        assertThat(s.warnings()).anySatisfy(w -> assertThat(w).contains("context/AAA.md (400 bytes) is left out")
                .contains("over 1000 bytes in all (BRAIN_TRUST_CONTEXT_LIMIT)"));
    }

    @Test
    void a_named_pipe_is_reported_and_never_opened() throws Exception {
        Files2.write(dir.resolve("MISSION.md"), "m");
        Path pipe = dir.resolve("PIPE.md");
        assertThat(new ProcessBuilder("mkfifo", pipe.toString()).start().waitFor()).isZero();
        ContextSnapshot s = assertTimeoutPreemptively(Duration.ofSeconds(5), this::load, "a read of the pipe blocked");
        assertThat(s.file("MISSION.md")).isPresent();
        assertThat(s.warnings()).anySatisfy(w -> assertThat(w).contains("context/PIPE.md is a named pipe, socket or device, not a file"));
    }

    @Test
    void a_folder_named_like_a_context_file_is_a_warning_not_silence() throws Exception {
        Files.createDirectories(dir.resolve("NOTES.md"));
        Files.createDirectories(dir.resolve("GOALS.md"));
        ContextSnapshot s = load();
        assertThat(s.warnings()).anySatisfy(w -> assertThat(w).contains("context/NOTES.md is a folder, not a file"))
                .anySatisfy(w -> assertThat(w).contains("context/GOALS.md is a folder, not a file"));
        assertThat(s.missing()).as("the file GOALS.md is still missing").contains("GOALS.md");
        assertThat(s.warnings()).as("the folder is named as such, not reported as a file to create")
                .noneSatisfy(w -> assertThat(w).contains("GOALS.md is missing"));
    }
}
