package dev.braintrust.history;

import dev.braintrust.BrainTrustException;
import dev.braintrust.Config;
import dev.braintrust.context.ContextSnapshot;
import dev.braintrust.context.ContextSource;
import dev.braintrust.context.FolderContextSource;
import dev.braintrust.home.PaiHome;
import dev.braintrust.sync.FolderWatcher;
import dev.braintrust.testing.Files2;
import dev.braintrust.testing.MutableClock;
import dev.braintrust.testing.Poll;
import dev.braintrust.testing.TestHome;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LocalHistoryTest {
    private static final Duration QUIET = Duration.ofMillis(300);

    @TempDir
    Path dir;
    Path home;
    LocalHistory history;
    FolderWatcher watcher;

    @BeforeEach
    void setUp() {
        home = TestHome.create(dir.resolve("home"));
    }

    @AfterEach
    void tearDown() {
        if (watcher != null) {
            watcher.close();
        }
        if (history != null) {
            history.close();
        }
    }

    LocalHistory open(Clock clock, Duration keep) {
        history = LocalHistory.open(new PaiHome(home), new Config.HistorySettings(keep, QUIET), clock);
        return history;
    }

    LocalHistory watched() throws Exception {
        open(Clock.systemUTC(), Duration.ofDays(90));
        history.record(History.EDIT, null);
        watcher = new FolderWatcher(home, PaiHome.SYNCED_FOLDERS, history::changed);
        return history;
    }

    List<Version> versions() {
        return history.list(null, History.MAX_PAGE, 0).versions();
    }

    void waitForVersions(int count) {
        Poll.until(Duration.ofSeconds(10), count + " versions", () -> versions().size() >= count);
    }

    Path mission() {
        return home.resolve("context/MISSION.md");
    }

    @Test
    void three_edits_are_three_versions_with_the_right_diffs() throws Exception {
        watched();
        assertThat(versions()).hasSize(1);
        String[] texts = {"Mission one.\n", "Mission two.\n", "Mission three.\n"};
        for (int i = 0; i < texts.length; i++) {
            Files.writeString(mission(), texts[i]);
            waitForVersions(i + 2);
        }
        Thread.sleep(QUIET.toMillis() * 2);
        List<Version> versions = versions();
        assertThat(versions).hasSize(4);
        assertThat(versions.subList(0, 3)).allSatisfy(v -> {
            assertThat(v.source()).isEqualTo(History.EDIT);
            assertThat(v.files()).extracting(FileChange::path).containsExactly("context/MISSION.md");
            assertThat(v.files().get(0).additions()).isEqualTo(1);
            assertThat(v.files().get(0).deletions()).isEqualTo(1);
        });
        assertThat(versions.get(0).current()).isTrue();
        for (int i = 0; i < 3; i++) {
            Version newer = versions.get(2 - i);
            VersionDiff diff = history.diff(versions.get(3 - i).id(), newer.id());
            assertThat(diff.files()).singleElement().satisfies(f -> {
                assertThat(f.path()).isEqualTo("context/MISSION.md");
                assertThat(f.change()).isEqualTo(FileChange.MODIFIED);
            });
            String text = diff.files().get(0).diff();
            assertThat(text).contains("--- a/context/MISSION.md").contains("+++ b/context/MISSION.md")
                    .contains("+" + texts[i].strip());
            assertThat(text).contains("-" + (i == 0 ? TestHome.MISSION : texts[i - 1].strip()));
            assertThat(new String(history.read(newer.id(), "MISSION"), StandardCharsets.UTF_8)).isEqualTo(texts[i]);
        }
        assertThat(history.diff(null, null).unchanged()).as("nothing changed since the newest version").isFalse();
        assertThat(history.diff(versions.get(0).id(), null).unchanged()).isTrue();
    }

    @Test
    void an_editors_save_by_rename_is_one_version() throws Exception {
        watched();
        Path temp = home.resolve("context/MISSION.md.tmp-4913");
        Files.writeString(temp, "Saved the way editors save: a new file, then a rename.\n");
        Files.move(temp, mission(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        waitForVersions(2);
        Thread.sleep(QUIET.toMillis() * 3);
        List<Version> versions = versions();
        assertThat(versions).hasSize(2);
        assertThat(versions.get(0).files()).extracting(FileChange::path).containsExactly("context/MISSION.md");
    }

    @Test
    void a_hundred_rapid_saves_give_few_versions_and_lose_none_of_the_final_content() throws Exception {
        watched();
        String last = null;
        for (int i = 1; i <= 100; i++) {
            last = "Mission, draft " + i + ".\n";
            Files.writeString(mission(), last);
            Thread.sleep(2);
        }
        waitForVersions(2);
        Thread.sleep(QUIET.toMillis() * 3);
        List<Version> versions = versions();
        assertThat(versions.size() - 1).as("versions for 100 saves").isBetween(1, 3);
        assertThat(new String(history.read(versions.get(0).id(), "context/MISSION.md"), StandardCharsets.UTF_8)).isEqualTo(last);
        assertThat(history.diff(versions.get(0).id(), null).unchanged()).isTrue();
    }

    @Test
    void restore_writes_the_old_text_back_as_a_new_version_and_keeps_the_text_you_had() throws Exception {
        open(Clock.systemUTC(), Duration.ofDays(90));
        String original = history.record(History.EDIT, null).orElseThrow().id();
        Files.writeString(mission(), "A mission I regret.\n");
        Files.writeString(home.resolve("context/NEW.md"), "A file added since.\n");
        String regret = history.record(History.EDIT, null).orElseThrow().id();
        Files.writeString(mission(), "Unsaved thoughts, never recorded.\n");

        RestoreResult one = history.restore(original, List.of("MISSION.md"));
        assertThat(Files.readString(mission())).isEqualTo(TestHome.MISSION + "\n");
        assertThat(one.written()).containsExactly("context/MISSION.md");
        assertThat(home.resolve("context/NEW.md")).exists();
        assertThat(one.note()).contains("kept as version " + one.kept());
        assertThat(new String(history.read(one.kept(), "MISSION.md"), StandardCharsets.UTF_8))
                .as("the text the home had, never recorded until the restore").isEqualTo("Unsaved thoughts, never recorded.\n");
        Version restore = versions().get(0);
        assertThat(restore.id()).isEqualTo(one.version());
        assertThat(restore.source()).isEqualTo(History.RESTORE);
        assertThat(restore.message()).startsWith("Restored 1 file from ");

        RestoreResult all = history.restore(original, List.of());
        assertThat(all.deleted()).containsExactly("context/NEW.md");
        assertThat(home.resolve("context/NEW.md")).doesNotExist();
        assertThat(all.version()).isEqualTo(original).as("the same content is the same version id");
        assertThat(history.now()).isEqualTo(original);

        history.restore(regret, List.of());
        assertThat(Files.readString(mission())).isEqualTo("A mission I regret.\n");
        assertThat(Files.readString(home.resolve("context/NEW.md"))).isEqualTo("A file added since.\n");
        assertThat(Files.list(home.resolve("context")).map(p -> p.getFileName().toString()))
                .as("no temporary file is left").allMatch(n -> !n.contains(".restore-"));
    }

    @Test
    void restore_keeps_the_executable_bit_of_a_skill_and_refuses_paths_outside_the_home() throws Exception {
        open(Clock.systemUTC(), Duration.ofDays(90));
        TestHome.skill(home, "hello.sh", "#!/bin/sh\necho hello\n");
        String withSkill = history.record(History.EDIT, null).orElseThrow().id();
        Files.delete(home.resolve("skills/hello.sh"));
        history.record(History.EDIT, null);
        history.restore(withSkill, List.of("skills/hello.sh"));
        assertThat(Files.isExecutable(home.resolve("skills/hello.sh"))).isTrue();
        assertThatThrownBy(() -> history.restore(withSkill, List.of("../../etc/passwd")))
                .isInstanceOf(BrainTrustException.BadInput.class);
        assertThatThrownBy(() -> history.restore(withSkill, List.of("logs/2026-01-01.md")))
                .isInstanceOf(BrainTrustException.BadInput.class);
        assertThatThrownBy(() -> history.restore(withSkill, List.of("context/NEVER.md")))
                .isInstanceOf(BrainTrustException.NotFound.class);
    }

    @Test
    void the_revision_of_a_local_snapshot_is_the_id_of_its_version() throws Exception {
        open(Clock.systemUTC(), Duration.ofDays(90));
        ContextSource source = history.contextSource(new FolderContextSource(home.resolve("context"), Clock.systemUTC()));
        ContextSnapshot snapshot = source.load();
        Version recorded = history.record(History.EDIT, null).orElseThrow();
        assertThat(snapshot.revision()).isEqualTo(recorded.id()).hasSize(40);
        assertThat(history.open(snapshot.revision()).context().text("MISSION.md")).isEqualTo(TestHome.MISSION);
        assertThat(history.files(snapshot.revision().substring(0, 8)).version().id()).isEqualTo(recorded.id());
    }

    @Test
    void a_state_read_between_two_versions_can_still_be_looked_up() throws Exception {
        open(Clock.systemUTC(), Duration.ofDays(90));
        ContextSource source = history.contextSource(new FolderContextSource(home.resolve("context"), Clock.systemUTC()));
        history.record(History.EDIT, null);
        Files.writeString(mission(), "Seen by a run, then changed at once.\n");
        String seen = source.load().revision();
        Files.writeString(mission(), "What the history recorded.\n");
        history.record(History.EDIT, null);
        assertThat(versions()).extracting(Version::id).doesNotContain(seen);
        assertThat(history.open(seen).context().text("MISSION.md")).isEqualTo("Seen by a run, then changed at once.");
    }

    @Test
    void pruning_drops_old_versions_but_keeps_those_runs_used_and_the_newest() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        open(clock, Duration.ofDays(90));
        ContextSource source = history.contextSource(new FolderContextSource(home.resolve("context"), clock));
        String day0 = history.record(History.EDIT, null).orElseThrow().id();
        clock.advance(Duration.ofDays(1));
        Files.writeString(mission(), "Day one: a run used this.\n");
        String day1 = history.record(History.EDIT, null).orElseThrow().id();
        clock.advance(Duration.ofDays(1));
        Files.writeString(mission(), "Day two: seen by a run, never a version.\n");
        String seenOnly = source.load().revision();
        Files.writeString(mission(), "Day two.\n");
        String day2 = history.record(History.EDIT, null).orElseThrow().id();
        clock.advance(Duration.ofDays(100));
        Files.writeString(mission(), "Day 102.\n");
        String recent = history.record(History.EDIT, null).orElseThrow().id();
        history.keepRevisionsFrom(() -> Set.of(day1, seenOnly, "0123456789abcdef"));

        LocalHistory.PruneReport report = history.prune(clock.instant());

        assertThat(report.dropped()).isEqualTo(2);
        assertThat(versions()).extracting(Version::id).containsExactly(recent, day1);
        assertThatThrownBy(() -> history.files(day0)).isInstanceOf(BrainTrustException.NotFound.class)
                .hasMessageContaining("pruned");
        assertThatThrownBy(() -> history.open(day2)).isInstanceOf(BrainTrustException.NotFound.class);
        assertThat(history.open(day1).context().text("MISSION.md")).isEqualTo("Day one: a run used this.");
        assertThat(history.open(seenOnly).context().text("MISSION.md")).isEqualTo("Day two: seen by a run, never a version.");
        assertThat(history.diff(day1, recent).files()).singleElement().extracting(VersionDiff.FileDiff::path)
                .isEqualTo("context/MISSION.md");

        history.close();
        open(clock, Duration.ofDays(90));
        assertThat(versions()).extracting(Version::id).containsExactly(recent, day1);
        assertThat(history.open(seenOnly).revision()).isEqualTo(seenOnly);
    }

    @Test
    void pruning_drops_nothing_when_the_runs_cannot_be_asked() {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        open(clock, Duration.ofDays(1));
        history.record(History.EDIT, null);
        clock.advance(Duration.ofDays(10));
        Files2.write(mission(), "later\n");
        history.record(History.EDIT, null);
        assertThatThrownBy(() -> history.prune(clock.instant())).isInstanceOf(BrainTrustException.Unavailable.class);
        assertThat(versions()).hasSize(2);
    }

    @Test
    void a_home_that_is_a_clone_shows_its_own_commits_and_its_repository_is_never_touched() throws Exception {
        String commitId;
        try (Git git = Git.init().setDirectory(home.toFile()).setInitialBranch("main").call()) {
            git.add().addFilepattern("context").call();
            PersonIdent ada = new PersonIdent("Ada Lovelace", "ada@example.org", Instant.parse("2025-12-01T10:00:00Z"),
                    java.time.ZoneOffset.UTC);
            commitId = git.commit().setMessage("Mission: the field guide").setAuthor(ada).setCommitter(ada).setSign(false).call().name();
        }
        List<String> refsBefore = refs();
        open(Clock.systemUTC(), Duration.ofDays(90));
        history.record(History.EDIT, null);
        Files.writeString(mission(), "Edited after the commit.\n");
        history.record(History.EDIT, null);

        List<Version> versions = versions();
        assertThat(versions).extracting(Version::source).containsExactly(History.EDIT, History.EDIT, History.COMMIT);
        Version commit = versions.get(2);
        assertThat(commit.id()).isEqualTo(commitId);
        assertThat(commit.author()).isEqualTo("Ada Lovelace");
        assertThat(commit.message()).isEqualTo("Mission: the field guide");
        assertThat(commit.files()).extracting(FileChange::path).contains("context/MISSION.md");
        assertThat(history.diff(commitId, null).files()).extracting(VersionDiff.FileDiff::path).contains("context/MISSION.md");
        history.restore(commitId, List.of("MISSION.md"));
        assertThat(Files.readString(mission())).isEqualTo(TestHome.MISSION + "\n");

        assertThat(refs()).isEqualTo(refsBefore);
        try (Git git = Git.open(home.toFile())) {
            assertThat(git.status().call().getUntracked()).noneMatch(p -> p.startsWith("state/history"));
        }
    }

    private List<String> refs() throws Exception {
        try (Git git = Git.open(home.toFile())) {
            return git.getRepository().getRefDatabase().getRefs().stream().map(r -> r.getName() + "=" + r.getObjectId().name()).toList();
        }
    }

    @Test
    void a_long_history_is_read_as_far_as_each_question_needs_and_answers_the_same_after_reopening() throws Exception {
        open(Clock.systemUTC(), Duration.ofDays(90));
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < 1_200; i++) {
            Files.writeString(mission(), "draft " + i + "\n");
            if (i == 3) {
                Files.writeString(home.resolve("context/RARE.md"), "changed once, long ago\n");
            }
            ids.add(history.record(History.EDIT, null).orElseThrow().id());
        }
        history.close();
        open(Clock.systemUTC(), Duration.ofDays(90));
        assertThat(history.list(null, 50, 0).versions()).extracting(Version::id).first().isEqualTo(ids.get(1_199));
        List<String> oldest = new java.util.ArrayList<>(ids.subList(0, 50));
        java.util.Collections.reverse(oldest);
        assertThat(history.list(null, 50, 1_150).versions()).extracting(Version::id).containsExactlyElementsOf(oldest);
        assertThat(history.list(null, 50, 1_150).more()).isFalse();
        assertThat(history.list("RARE.md", 50, 0).versions()).extracting(Version::id).containsExactly(ids.get(3));
        assertThat(new String(history.read(ids.get(0), "MISSION.md"), StandardCharsets.UTF_8)).isEqualTo("draft 0\n");
        assertThat(history.diff(null, ids.get(1)).from()).isEqualTo(ids.get(0));
        history.close();
        open(Clock.systemUTC(), Duration.ofDays(90));
        assertThat(history.files(ids.get(2).substring(0, 12)).version().id()).isEqualTo(ids.get(2));
    }

    @Test
    void an_edit_that_keeps_the_size_of_a_file_untouched_for_a_while_is_recorded() throws Exception {
        open(Clock.systemUTC(), Duration.ofDays(90));
        Files.writeString(mission(), "version A\n");
        java.nio.file.attribute.FileTime old = java.nio.file.attribute.FileTime.from(Instant.now().minusSeconds(60));
        Files.setLastModifiedTime(mission(), old);
        history.record(History.EDIT, null);
        history.record(History.EDIT, null); // the file is now known by its size and time
        Files.writeString(mission(), "version B\n");
        assertThat(history.record(History.EDIT, null)).isPresent();
        assertThat(new String(history.read(versions().get(0).id(), "MISSION.md"), StandardCharsets.UTF_8)).isEqualTo("version B\n");
    }

    @Test
    void a_second_write_of_the_same_size_within_the_same_instant_is_not_missed() throws Exception {
        open(Clock.systemUTC(), Duration.ofDays(90));
        java.nio.file.attribute.FileTime now = java.nio.file.attribute.FileTime.from(Instant.now());
        Files.writeString(mission(), "version A\n");
        Files.setLastModifiedTime(mission(), now);
        history.record(History.EDIT, null);
        Files.writeString(mission(), "version B\n");
        Files.setLastModifiedTime(mission(), now); // a coarse clock: the same size, inode and time as what was read
        assertThat(history.record(History.EDIT, null)).isPresent();
        assertThat(new String(history.read(versions().get(0).id(), "MISSION.md"), StandardCharsets.UTF_8)).isEqualTo("version B\n");
    }

    @Test
    void file_filter_lists_only_the_versions_that_changed_that_file() throws Exception {
        open(Clock.systemUTC(), Duration.ofDays(90));
        history.record(History.EDIT, null);
        Files.writeString(mission(), "m2\n");
        history.record(History.EDIT, null);
        Files.writeString(home.resolve("context/GOALS.md"), "g2\n");
        history.record(History.EDIT, null);
        assertThat(history.list("MISSION.md", 50, 0).versions()).hasSize(2);
        assertThat(history.list("context/GOALS.md", 50, 0).versions()).hasSize(2);
        assertThat(history.list("GOALS", 1, 0).more()).isTrue();
        assertThatThrownBy(() -> history.list("../state/brain-trust.db", 50, 0)).isInstanceOf(BrainTrustException.BadInput.class);
    }
}
