package dev.braintrust.cli;

import dev.braintrust.home.PaiHome;
import dev.braintrust.testing.RemoteFixture;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code sync [--once]}, {@code publish}, {@code clone} and {@code status} in cloud mode, run in-process. */
class CloudCommandsTest {
    @TempDir
    Path dir;
    RemoteFixture remote;
    Path home;
    Map<String, String> env;

    @BeforeEach
    void setUp() throws Exception {
        remote = RemoteFixture.create(dir, "main");
        home = dir.resolve("home");
        env = new HashMap<>(Map.of("HOME", dir.toString(), "PAI_HOME", home.toString(),
                "BRAIN_TRUST_PORT", String.valueOf(freePort())));
    }

    @AfterEach
    void tearDown() {
        remote.close();
    }

    /** A port nothing listens on, so 'sync' finds no server and syncs the home itself. */
    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    CliRun cli(String... args) {
        return CliRun.run(env, args);
    }

    @Test
    void sync_once_clones_then_syncs_and_exits_0() {
        remote.commitAndPush("first", "context/MISSION.md", "m1", "context/GOALS.md", "g1", "context/BELIEFS.md", "b1");
        env.put("BRAIN_TRUST_GIT_URL", remote.url());
        CliRun first = cli("sync", "--once");
        assertThat(first.exitCode()).as(first.err()).isZero();
        assertThat(first.out()).contains("Cloned " + remote.url() + " at " + remote.head());
        CliRun again = cli("sync", "--once");
        assertThat(again.out()).contains("Up to date with " + remote.url() + " at " + remote.head());
        String next = remote.commitAndPush("goals", "context/GOALS.md", "g2");
        CliRun third = cli("sync");
        assertThat(third.exitCode()).isZero();
        assertThat(third.out()).contains("-> " + next).contains("1 path changed");
    }

    @Test
    void a_server_json_left_by_a_killed_server_is_ignored() throws Exception {
        remote.commitAndPush("first", "context/MISSION.md", "m1");
        env.put("BRAIN_TRUST_GIT_URL", remote.url());
        Files.createDirectories(home.resolve("state"));
        Files.writeString(home.resolve("state/server.json"), "{\"url\":\"http://127.0.0.1:" + freePort()
                + "\",\"pid\":" + ProcessHandle.current().pid() + ",\"mode\":\"cloud\",\"started\":\"2026-01-01T00:00:00Z\"}");
        Files.writeString(home.resolve("state/server.lock"), ""); // nobody holds it: the server that wrote the record is gone
        CliRun r = cli("sync");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("No server runs on this home; synced it directly. Cloned " + remote.url());
        assertThat(cli("status").out()).contains("Server:      none runs on this home");
    }

    @Test
    void sync_once_fails_with_exit_1_and_a_clear_message_when_the_remote_is_unreachable() {
        env.put("BRAIN_TRUST_GIT_URL", dir.resolve("nowhere.git").toString());
        CliRun r = cli("sync", "--once");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).startsWith("error: no repository at " + dir.resolve("nowhere.git"));
        assertThat(r.err().lines().count()).isEqualTo(1);
    }

    @Test
    void sync_once_refuses_a_home_that_is_not_a_clone_with_exit_2() {
        remote.commitAndPush("first", "context/MISSION.md", "m1");
        new PaiHome(home).init();
        env.put("BRAIN_TRUST_GIT_URL", remote.url());
        CliRun r = cli("sync", "--once");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("is not a clone of").contains("brain-trust publish");
    }

    @Test
    void sync_in_local_mode_says_how_to_turn_on_cloud_mode() {
        CliRun r = cli("sync", "--once");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("BRAIN_TRUST_GIT_URL");
    }

    @Test
    void the_git_url_flag_selects_cloud_mode() {
        remote.commitAndPush("first", "context/MISSION.md", "m1");
        CliRun r = cli("--git-url", remote.url(), "sync", "--once");
        assertThat(r.exitCode()).as(r.err()).isZero();
        CliRun status = cli("status", "--git-url", remote.url());
        assertThat(status.out()).contains("Mode:        cloud — the source of truth is the git repository " + remote.url());
    }

    @Test
    void status_in_cloud_mode_shows_the_last_sync_and_that_local_edits_are_overwritten() {
        remote.commitAndPush("first", "context/MISSION.md", "m1", "context/GOALS.md", "g1", "context/BELIEFS.md", "b1");
        env.put("BRAIN_TRUST_GIT_URL", remote.url());
        assertThat(cli("sync", "--once").exitCode()).isZero();
        CliRun status = cli("status");
        assertThat(status.exitCode()).isZero();
        assertThat(status.out())
                .contains("Mode:        cloud — the source of truth is the git repository " + remote.url() + " (branch main)")
                .contains("Sync:        last ").contains("updated at " + remote.head())
                .contains("local edits on the server are overwritten by the next sync")
                .contains("Context:     revision " + remote.head());
        Path moved = dir.resolve("moved.git");
        remote.bare.toFile().renameTo(moved.toFile());
        assertThat(cli("sync", "--once").exitCode()).isEqualTo(1);
        CliRun failing = cli("status");
        assertThat(failing.out()).contains("failed").contains("error:     no repository at")
                .contains("still serving " + remote.head());
    }

    @Test
    void publish_turns_a_local_home_into_a_repository_and_clone_makes_a_home_from_it() throws Exception {
        Git.init().setBare(true).setDirectory(dir.resolve("published.git").toFile()).setInitialBranch("main").call().close();
        String url = dir.resolve("published.git").toString();
        assertThat(cli("init").exitCode()).isZero();
        Files.writeString(home.resolve("logs/2026-01-01.md"), "journal");
        Files.writeString(home.resolve("state/brain-trust.db"), "db");
        CliRun published = cli("publish", url);
        assertThat(published.exitCode()).as(published.err()).isZero();
        assertThat(published.out()).contains("Published " + home + " to " + url + " (branch main)");
        List<String> paths = new ArrayList<>();
        try (Git bare = Git.open(dir.resolve("published.git").toFile());
             TreeWalk walk = new TreeWalk(bare.getRepository())) {
            walk.addTree(bare.getRepository().parseCommit(bare.getRepository().resolve("main")).getTree());
            walk.setRecursive(true);
            while (walk.next()) {
                paths.add(walk.getPathString());
                if (walk.getPathString().startsWith("skills/")) {
                    assertThat(walk.getFileMode(0)).as(walk.getPathString()).isEqualTo(FileMode.EXECUTABLE_FILE);
                }
            }
        }
        assertThat(paths).contains(".gitignore", "context/MISSION.md", "skills/word_count.sh", "workflows/research-brief.json")
                .noneMatch(p -> p.startsWith("logs/") || p.startsWith("state/"));

        Files.writeString(home.resolve("context/GOALS.md"), "new goals");
        CliRun again = cli("publish", url);
        assertThat(again.exitCode()).isZero();

        Path other = dir.resolve("other-home");
        Map<String, String> otherEnv = new HashMap<>(env);
        otherEnv.put("PAI_HOME", other.toString());
        CliRun cloned = CliRun.run(otherEnv, "clone", url);
        assertThat(cloned.exitCode()).as(cloned.err()).isZero();
        assertThat(cloned.out()).contains("Cloned " + url).contains(other.toString());
        assertThat(Files.readString(other.resolve("context/GOALS.md"))).isEqualTo("new goals");
        assertThat(Files.isExecutable(other.resolve("skills/word_count.sh"))).isTrue();
        assertThat(other.resolve("logs")).isDirectory();
        CliRun localStatus = CliRun.run(otherEnv, "status");
        assertThat(localStatus.out()).contains("Mode:        local").contains("Skills:      3");
    }

    @Test
    void publish_never_overwrites_a_repository_with_other_history() {
        remote.commitAndPush("someone else's", "README.md", "theirs");
        assertThat(cli("init").exitCode()).isZero();
        CliRun r = cli("publish", remote.url());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("already has history").contains("brain-trust clone");
        try (Git bare = Git.open(remote.bare.toFile())) {
            assertThat(bare.getRepository().resolve("main").name()).isEqualTo(remote.head());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
