package dev.braintrust.sync;

import dev.braintrust.BrainTrustException;
import dev.braintrust.Config;
import dev.braintrust.testing.RemoteFixture;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Never lose a user's edit: what a sync would overwrite is moved aside, and unpushed commits stop it. */
class LocalEditsTest {
    @TempDir
    Path dir;
    RemoteFixture remote;
    Path home;

    @BeforeEach
    void setUp() {
        remote = RemoteFixture.create(dir, "main");
        home = dir.resolve("home");
        remote.commit("first", "context/MISSION.md", "mission v1", "context/GOALS.md", "goals v1",
                "context/BELIEFS.md", "beliefs v1", "skills/echo.sh", "#!/bin/sh\necho v1\n", "README.md", "hello");
        remote.executable("skills/echo.sh");
        remote.commitAll("echo is executable");
        remote.push();
    }

    @AfterEach
    void tearDown() {
        remote.close();
    }

    GitMirror open() {
        return GitMirror.open(home, GitRemote.of(Config.fromEnv(Map.of("HOME", dir.toString(), "PAI_HOME", home.toString(),
                "BRAIN_TRUST_GIT_URL", remote.url()))));
    }

    @Test
    void a_restart_on_the_same_commit_keeps_the_edits_aside_and_says_so() throws Exception {
        try (GitMirror mirror = open()) {
            mirror.sync("test");
        }
        Files.writeString(home.resolve("context/GOALS.md"), "my new goals, not pushed");
        Files.writeString(home.resolve("skills/echo.sh"), "#!/bin/sh\necho edited\n");
        Files.writeString(home.resolve("README.md"), "hello"); // written again, same content: nothing to keep
        Files.writeString(home.resolve("context/DRAFT.md"), "untracked and not in the repository: left where it is");
        try (GitMirror restarted = open()) {
            SyncResult r = restarted.sync("test");
            assertThat(r.outcome()).isEqualTo(SyncResult.Outcome.UNCHANGED);
            assertThat(r.keptAside()).isNotNull();
            assertThat(r.keptAside().paths()).containsExactlyInAnyOrder("context/GOALS.md", "skills/echo.sh");
            assertThat(r.keptAside().folder()).startsWith("state/sync/overwritten/");
            Path aside = home.resolve(r.keptAside().folder());
            assertThat(aside.resolve("context/GOALS.md")).hasContent("my new goals, not pushed");
            assertThat(aside.resolve("skills/echo.sh")).hasContent("#!/bin/sh\necho edited\n");
            assertThat(home.resolve("context/GOALS.md")).hasContent("goals v1");
            assertThat(home.resolve("context/DRAFT.md")).hasContent("untracked and not in the repository: left where it is");
            assertThat(r.toResponse()).containsKey("keptAside");
            assertThat(r.keptAside().describe()).contains("2 files that differed", "context/GOALS.md", r.keptAside().folder());

            SyncResult again = restarted.sync("test");
            assertThat(again.keptAside()).as("nothing left to keep").isNull();
        }
    }

    @Test
    void an_executable_bit_changed_alone_loses_nothing_and_is_not_moved() throws Exception {
        try (GitMirror mirror = open()) {
            mirror.sync("test");
        }
        Files.setPosixFilePermissions(home.resolve("README.md"), PosixFilePermissions.fromString("rwxr-xr-x"));
        try (GitMirror restarted = open()) {
            assertThat(restarted.sync("test").keptAside()).isNull();
        }
    }

    @Test
    void a_file_deleted_by_the_next_commit_but_edited_here_is_kept() throws Exception {
        try (GitMirror mirror = open()) {
            mirror.sync("test");
            Files.writeString(home.resolve("README.md"), "my notes in the readme");
            remote.commitAndPush("drop the readme", "README.md", null);
            SyncResult r = mirror.sync("test");
            assertThat(home.resolve("README.md")).doesNotExist();
            assertThat(home.resolve(r.keptAside().folder()).resolve("README.md")).hasContent("my notes in the readme");
        }
    }

    @Test
    void a_home_with_commits_the_remote_lacks_is_refused_and_left_as_it_is() throws Exception {
        try (GitMirror mirror = open()) {
            mirror.sync("test");
        }
        String local;
        try (Git git = Git.open(home.toFile())) {
            Files.writeString(home.resolve("context/GOALS.md"), "committed, never pushed");
            git.add().addFilepattern("context/GOALS.md").call();
            PersonIdent me = new PersonIdent("Me", "me@example.org");
            local = git.commit().setMessage("Sharpen my goals").setAuthor(me).setCommitter(me).setSign(false).call().name();
        }
        remote.commitAndPush("meanwhile upstream", "context/MISSION.md", "mission v2");
        try (GitMirror restarted = open()) {
            assertThatThrownBy(() -> restarted.sync("test")).isInstanceOf(BrainTrustException.BadConfig.class)
                    .hasMessageContaining("has 1 commit that " + remote.url() + " (branch main) does not have")
                    .hasMessageContaining("Sharpen my goals").hasMessageContaining("push origin HEAD:main");
        }
        try (Git git = Git.open(home.toFile())) {
            assertThat(git.getRepository().resolve("HEAD").name()).isEqualTo(local);
        }
        assertThat(home.resolve("context/GOALS.md")).hasContent("committed, never pushed");
    }

    @Test
    void a_force_push_is_still_followed_even_after_a_git_fetch_in_the_home() throws Exception {
        String base = remote.head();
        remote.commitAndPush("will be dropped", "context/MISSION.md", "doomed");
        try (GitMirror mirror = open()) {
            mirror.sync("test");
        }
        remote.resetTo(base);
        String rewritten = remote.commit("rewritten", "context/MISSION.md", "rewritten mission");
        remote.push(true);
        try (Git git = Git.open(home.toFile())) {
            git.fetch().setRemote("origin").call(); // the user looked: origin/main is the rewritten head now
        }
        try (GitMirror restarted = open()) {
            SyncResult r = restarted.sync("test");
            assertThat(r.revision()).isEqualTo(rewritten);
            assertThat(r.keptAside()).isNull();
        }
    }
}
