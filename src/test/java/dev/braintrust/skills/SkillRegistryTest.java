package dev.braintrust.skills;

import dev.braintrust.BrainTrustException;
import dev.braintrust.testing.Files2;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SkillRegistryTest {
    @TempDir
    Path dir;

    private SkillRegistry registry() {
        return new SkillRegistry(() -> dir, Duration.ofHours(1));
    }

    @Test
    void parses_name_description_and_parameters_from_the_header() {
        Files2.script(dir.resolve("search.py"), """
                #!/usr/bin/env python3
                # NAME: web_search
                # DESCRIPTION: Search the web for a query
                # PARAM: query (str) - The search query
                # PARAM: limit (int, optional) - How many results
                print("x")
                """);
        Skill skill = registry().find("web_search");
        assertThat(skill.description()).isEqualTo("Search the web for a query");
        assertThat(skill.params()).containsExactly(
                new SkillParam("query", "str", "The search query", true),
                new SkillParam("limit", "int", "How many results", false));
        assertThat(skill.script()).isEqualTo(dir.resolve("search.py"));
    }

    @Test
    void the_name_defaults_to_the_file_stem() {
        Files2.script(dir.resolve("summarize.sh"), "#!/bin/sh\necho hi\n");
        assertThat(registry().list()).extracting(Skill::name).containsExactly("summarize");
    }

    @Test
    void headers_after_line_twenty_are_ignored() {
        Files2.script(dir.resolve("late.sh"), "#!/bin/sh\n" + "\n".repeat(25) + "# NAME: too_late\n");
        assertThat(registry().list()).extracting(Skill::name).containsExactly("late");
    }

    @Test
    void a_file_without_the_run_bit_is_skipped_with_how_to_fix() {
        Files2.write(dir.resolve("draft.sh"), "#!/bin/sh\necho draft\n");
        SkillRegistry registry = registry();
        assertThat(registry.list()).isEmpty();
        assertThat(registry.skipped()).singleElement().satisfies(s -> {
            assertThat(s.file()).isEqualTo("draft.sh");
            assertThat(s.reason()).contains("chmod +x skills/draft.sh");
        });
    }

    @Test
    void a_second_script_with_the_same_name_is_skipped() {
        Files2.script(dir.resolve("a.sh"), "#!/bin/sh\n# NAME: dup\n");
        Files2.script(dir.resolve("b.sh"), "#!/bin/sh\n# NAME: dup\n");
        SkillRegistry registry = registry();
        assertThat(registry.list()).extracting(s -> s.script().getFileName().toString()).containsExactly("a.sh");
        assertThat(registry.skipped()).singleElement().satisfies(s -> assertThat(s.reason()).contains("already used by a.sh"));
    }

    @Test
    void a_malformed_header_is_skipped_with_the_reason() {
        Files2.script(dir.resolve("bad.sh"), "#!/bin/sh\n# NAME: not a name!\n");
        Files2.script(dir.resolve("worse.sh"), "#!/bin/sh\n# PARAM: (str) nothing\n");
        assertThat(registry().skipped()).extracting(SkippedScript::file).containsExactly("bad.sh", "worse.sh");
    }

    @Test
    void readme_hidden_and_backup_files_are_ignored_silently() {
        Files2.write(dir.resolve("README.md"), "docs");
        Files2.script(dir.resolve(".hidden.sh"), "#!/bin/sh\n");
        Files2.script(dir.resolve("tool.sh~"), "#!/bin/sh\n");
        SkillRegistry registry = registry();
        assertThat(registry.list()).isEmpty();
        assertThat(registry.skipped()).isEmpty();
    }

    @Test
    void sees_a_new_script_after_invalidation() {
        SkillRegistry registry = registry();
        assertThat(registry.list()).isEmpty();
        Files2.script(dir.resolve("fresh.sh"), "#!/bin/sh\n");
        registry.invalidate();
        assertThat(registry.list()).extracting(Skill::name).containsExactly("fresh");
    }

    @Test
    void unknown_names_and_names_with_path_separators_are_clear_errors() {
        SkillRegistry registry = registry();
        assertThatThrownBy(() -> registry.find("nope")).isInstanceOf(BrainTrustException.NotFound.class)
                .hasMessageContaining("skills list");
        for (String bad : new String[]{"../etc/passwd", "a/b", "/bin/sh", "..", "a\\b", ""}) {
            assertThatThrownBy(() -> registry.find(bad)).as(bad).isInstanceOf(BrainTrustException.BadInput.class);
        }
    }

    @Test
    void a_missing_skills_folder_means_no_skills() {
        assertThat(new SkillRegistry(() -> dir.resolve("absent"), Duration.ofHours(1)).list()).isEmpty();
    }

    @Test
    void env_headers_declare_the_variables_a_skill_receives() {
        Files2.script(dir.resolve("search.py"), """
                #!/usr/bin/env python3
                # NAME: web_search
                # ENV: SERPAPI_API_KEY
                # ENV: PROXY_URL, CACHE_DIR SERPAPI_API_KEY
                """);
        assertThat(registry().find("web_search").env()).containsExactly("SERPAPI_API_KEY", "PROXY_URL", "CACHE_DIR");
    }

    @Test
    void a_skill_asking_for_the_servers_own_credentials_is_skipped_saying_why() {
        Files2.script(dir.resolve("greedy.sh"), "#!/bin/sh\n# ENV: BRAIN_TRUST_API_KEY\n");
        Files2.script(dir.resolve("hook.sh"), "#!/bin/sh\n# ENV: WEBHOOK_SECRET\n");
        Files2.script(dir.resolve("typo.sh"), "#!/bin/sh\n# ENV: NOT-A-NAME\n");
        SkillRegistry registry = registry();
        assertThat(registry.list()).isEmpty();
        assertThat(registry.skipped()).extracting(SkippedScript::reason)
                .anySatisfy(r -> assertThat(r).contains("BRAIN_TRUST_API_KEY, a setting of the server itself"))
                .anySatisfy(r -> assertThat(r).contains("WEBHOOK_SECRET"))
                .anySatisfy(r -> assertThat(r).contains("'NOT-A-NAME', which is not a variable name"));
    }

    @Test
    void a_named_pipe_in_skills_is_skipped_and_never_opened() throws Exception {
        Files2.script(dir.resolve("ok.sh"), "#!/bin/sh\n");
        Path pipe = dir.resolve("pipe.sh");
        assertThat(new ProcessBuilder("mkfifo", "-m", "0755", pipe.toString()).start().waitFor()).isZero();
        SkillRegistry registry = registry();
        assertThat(org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(5), registry::list))
                .extracting(Skill::name).containsExactly("ok");
        assertThat(registry.skipped()).anySatisfy(s -> assertThat(s.file()).isEqualTo("pipe.sh"))
                .anySatisfy(s -> assertThat(s.reason()).contains("not a regular file"));
    }

    @Test
    void the_header_of_a_huge_script_is_read_from_its_first_bytes_only() throws Exception {
        Path big = dir.resolve("big.sh");
        try (var out = java.nio.file.Files.newBufferedWriter(big)) {
            out.write("#!/bin/sh\n# NAME: big_one\n# DESCRIPTION: a header then one 30 MB line\n#");
            char[] line = new char[1024 * 1024];
            java.util.Arrays.fill(line, 'x');
            for (int i = 0; i < 30; i++) {
                out.write(line);
            }
        }
        java.nio.file.Files.setPosixFilePermissions(big, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThat(SkillRegistry.headerLines(big)).hasSize(3);
        assertThat(registry().find("big_one").description()).isEqualTo("a header then one 30 MB line");
    }
}
