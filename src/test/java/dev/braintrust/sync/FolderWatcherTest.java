package dev.braintrust.sync;

import dev.braintrust.context.ContextService;
import dev.braintrust.context.FolderContextSource;
import dev.braintrust.home.PaiHome;
import dev.braintrust.skills.SkillRegistry;
import dev.braintrust.testing.Files2;
import dev.braintrust.testing.Poll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** A real watcher on a real folder: a saved edit must be visible to the next read within a second. */
class FolderWatcherTest {
    private static final Duration VISIBLE_WITHIN = Duration.ofSeconds(1);
    @TempDir
    Path dir;
    private PaiHome home;
    private ContextService context;
    private SkillRegistry skills;
    private FolderWatcher watcher;

    @BeforeEach
    void start() throws Exception {
        home = new PaiHome(dir);
        home.init();
        // A TTL of an hour: only the watcher can make a change visible in these tests.
        context = new ContextService(new FolderContextSource(home.context(), Clock.systemUTC()), Duration.ofHours(1));
        skills = new SkillRegistry(home::skills, Duration.ofHours(1));
        context.onInvalidate(skills::invalidate);
        watcher = new FolderWatcher(home.root(), PaiHome.SYNCED_FOLDERS, context::invalidate);
        context.snapshot();
        skills.list();
    }

    @AfterEach
    void stop() {
        watcher.close();
    }

    private void assertVisible(String what, java.util.function.BooleanSupplier condition) {
        Duration took = Poll.until(Duration.ofSeconds(5), what, condition);
        assertThat(took).as(what + " became visible after " + took.toMillis() + " ms").isLessThan(VISIBLE_WITHIN);
    }

    @Test
    void sees_a_modified_file() {
        Files2.write(home.context().resolve("GOALS.md"), "New goal: sleep more.");
        assertVisible("modified GOALS.md", () -> context.snapshot().text("GOALS.md").equals("New goal: sleep more."));
    }

    @Test
    void sees_a_created_file() {
        Files2.write(home.context().resolve("RESEARCH.md"), "Research notes");
        assertVisible("new RESEARCH.md", () -> context.snapshot().file("RESEARCH.md").isPresent());
    }

    @Test
    void sees_a_deleted_file() throws Exception {
        Files.delete(home.context().resolve("IDENTITY.md"));
        assertVisible("deleted IDENTITY.md", () -> context.snapshot().file("IDENTITY.md").isEmpty());
    }

    @Test
    void sees_a_save_by_rename_as_editors_do() throws Exception {
        Path temp = Files2.write(home.context().resolve(".MISSION.md.swp"), "Saved by rename.");
        Files.move(temp, home.context().resolve("MISSION.md"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        assertVisible("MISSION.md replaced by rename", () -> context.snapshot().text("MISSION.md").equals("Saved by rename."));
    }

    @Test
    void sees_a_rename_of_a_file() throws Exception {
        Files.move(home.context().resolve("IDENTITY.md"), home.context().resolve("ABOUT_ME.md"));
        assertVisible("IDENTITY.md renamed", () -> context.snapshot().file("ABOUT_ME.md").isPresent()
                && context.snapshot().file("IDENTITY.md").isEmpty());
    }

    @Test
    void sees_a_new_skill_without_restart() {
        Files2.script(home.skills().resolve("hello.sh"), "#!/bin/sh\n# DESCRIPTION: says hello\necho hello\n");
        assertVisible("new skill hello", () -> skills.list().stream().anyMatch(s -> s.name().equals("hello")));
    }

    @Test
    void keeps_watching_a_context_folder_that_was_deleted_and_created_again() throws Exception {
        try (var files = Files.list(home.context())) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        Files.delete(home.context());
        Files.createDirectories(home.context());
        assertVisible("context folder recreated (empty)", () -> context.snapshot().files().isEmpty());

        Files2.write(home.context().resolve("MISSION.md"), "Back again.");
        assertVisible("file in recreated folder", () -> context.snapshot().text("MISSION.md").equals("Back again."));
    }
}
