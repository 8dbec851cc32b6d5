package dev.braintrust.context;

import dev.braintrust.testing.Files2;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** Front matter: the privacy tier of a context file, parsed and never sent. */
class FrontMatterTest {
    @TempDir
    Path dir;

    private ContextSnapshot load() {
        return new FolderContextSource(dir, Clock.systemUTC()).load();
    }

    @Test
    void reads_each_tier_and_keeps_the_front_matter_out_of_the_text() {
        Files2.write(dir.resolve("MISSION.md"), "Plain mission.\n");
        Files2.write(dir.resolve("HEALTH.md"), "---\nprivacy: local\n---\nPrivate health notes.\n");
        Files2.write(dir.resolve("DIARY.md"), "---\r\ntitle: \"My diary\"  \r\nPrivacy: NEVER # keep it home\r\n---\r\n\r\nDear diary.\r\n");
        Files2.write(dir.resolve("OPEN.md"), "---\nprivacy: 'public'\n---\nOpen notes.\n");

        ContextSnapshot s = load();

        assertThat(s.file("MISSION.md").orElseThrow().privacy()).isEqualTo(Privacy.PUBLIC);
        assertThat(s.file("HEALTH.md").orElseThrow()).satisfies(f -> {
            assertThat(f.privacy()).isEqualTo(Privacy.LOCAL);
            assertThat(f.content()).isEqualTo("Private health notes.");
        });
        assertThat(s.file("DIARY.md").orElseThrow()).satisfies(f -> {
            assertThat(f.privacy()).isEqualTo(Privacy.NEVER);
            assertThat(f.content()).isEqualTo("Dear diary.");
        });
        assertThat(s.file("OPEN.md").orElseThrow().privacy()).isEqualTo(Privacy.PUBLIC);
        assertThat(s.warnings()).noneSatisfy(w -> assertThat(w).contains("privacy"));
    }

    @Test
    void an_unknown_tier_is_a_warning_naming_the_file_and_the_file_counts_as_never() {
        Files2.write(dir.resolve("PLANS.md"), "---\nprivacy: secret\n---\nThe plan.\n");

        ContextSnapshot s = load();

        assertThat(s.file("PLANS.md").orElseThrow().privacy()).isEqualTo(Privacy.NEVER);
        assertThat(s.file("PLANS.md").orElseThrow().content()).isEqualTo("The plan.");
        assertThat(s.warnings()).filteredOn(w -> w.contains("PLANS.md")).singleElement().asString().contains("context/PLANS.md").contains("'privacy: secret'")
                .contains("treated as never");
    }

    @Test
    void a_file_that_starts_with_a_rule_and_prose_has_no_front_matter() {
        Files2.write(dir.resolve("NOTES.md"), "---\nThese are notes, not settings.\n---\nMore.\n");
        Files2.write(dir.resolve("OPEN.md"), "---\nprivacy: never\nno closing line\n");

        ContextSnapshot s = load();

        assertThat(s.file("NOTES.md").orElseThrow().privacy()).isEqualTo(Privacy.PUBLIC);
        assertThat(s.file("NOTES.md").orElseThrow().content()).startsWith("---\nThese are notes");
        assertThat(s.file("OPEN.md").orElseThrow().privacy()).isEqualTo(Privacy.PUBLIC);
    }

    @Test
    void a_file_with_only_front_matter_is_reported_empty() {
        Files2.write(dir.resolve("EMPTY.md"), "---\nprivacy: local\n---\n");
        ContextSnapshot s = load();
        assertThat(s.file("EMPTY.md").orElseThrow().content()).isEmpty();
        assertThat(s.warnings()).anySatisfy(w -> assertThat(w).contains("EMPTY.md is empty"));
    }

    @Test
    void the_telos_block_for_mcp_clients_follows_their_clearance() {
        Files2.write(dir.resolve("MISSION.md"), "Public mission.\n");
        Files2.write(dir.resolve("HEALTH.md"), "---\nprivacy: local\n---\nPrivate health notes.\n");
        Files2.write(dir.resolve("DIARY.md"), "---\nprivacy: never\n---\nDear diary.\n");
        ContextService service = new ContextService(new FolderContextSource(dir, Clock.systemUTC()), Duration.ofMinutes(1));

        String forPublic = service.telosBlock(Privacy.PUBLIC);
        String forLocal = service.telosBlock(Privacy.LOCAL);

        assertThat(forPublic).isEqualTo("# USER CONTEXT (TELOS LAYER)\n\n## Mission\nPublic mission.\n\n"
                + ContextSelection.WITHHELD_NOTICE + "\n");
        assertThat(forLocal).isEqualTo("# USER CONTEXT (TELOS LAYER)\n\n## Mission\nPublic mission.\n\n## Health\nPrivate health notes.\n");
        assertThat(service.select(Privacy.LOCAL).withheld()).containsExactly(new ContextSelection.Withheld("DIARY.md", Privacy.NEVER));
        assertThat(service.composePrompt("You edit.")).doesNotContain("Private health").doesNotContain("diary")
                .contains(ContextSelection.WITHHELD_NOTICE).endsWith("# AGENT INSTRUCTIONS\nYou edit.\n");
    }
}
