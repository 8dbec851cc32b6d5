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

    /** Runs the real git command line (the client whose messages the user sees) and returns its output and exit code. */
    static String git(Path in, Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("git"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(in.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        return "exit " + p.exitValue() + "\n" + out;
    }

    @Test
    void publish_to_a_fresh_bare_repository_tracks_the_branch_names_the_author_and_warns_that_its_head_is_master() throws Exception {
        Path bare = dir.resolve("fresh.git");
        Git.init().setBare(true).setDirectory(bare.toFile()).setInitialBranch("master").call().close();
        String url = bare.toString();
        assertThat(cli("init").exitCode()).isZero();

        CliRun published = cli("publish", "--author", "Ada Lovelace <ada@example.com>", url);
        assertThat(published.exitCode()).as(published.err()).isZero();
        assertThat(published.out()).contains("the home's 'main' tracks origin/main").contains("Committed as Ada Lovelace <ada@example.com>.");
        assertThat(published.err()).contains("warning: the repository's HEAD names a branch that does not exist")
                .contains("git symbolic-ref HEAD refs/heads/main");
        try (Git repo = Git.open(bare.toFile())) {
            var commit = repo.getRepository().parseCommit(repo.getRepository().resolve("refs/heads/main"));
            assertThat(commit.getAuthorIdent().getEmailAddress()).isEqualTo("ada@example.com");
            assertThat(commit.getCommitterIdent().getName()).isEqualTo("Ada Lovelace");
        }

        Map<String, String> gitEnv = Map.of("HOME", dir.toString(), "GIT_CONFIG_NOSYSTEM", "1", "LC_ALL", "C");
        assertThat(git(home, gitEnv, "status")).contains("up to date with 'origin/main'").doesNotContain("upstream is gone");
        assertThat(git(dir, gitEnv, "clone", url, "plain-clone")).as("what the warning is about")
                .contains("remote HEAD refers to nonexistent ref");

        git(bare, gitEnv, "symbolic-ref", "HEAD", "refs/heads/main");
        CliRun again = cli("publish", url);
        assertThat(again.exitCode()).isZero();
        assertThat(again.out()).contains("Nothing new to commit");
        assertThat(again.err()).doesNotContain("warning");
        assertThat(git(dir, gitEnv, "clone", url, "second-clone")).doesNotContain("warning");
        assertThat(dir.resolve("second-clone/context/MISSION.md")).exists();

        assertThat(cli("publish", "--author", "nobody", url).err()).contains("--author must be 'Name <email>'");
    }

    @Test
    void publish_without_a_git_identity_says_which_author_git_made_up() throws Exception {
        Path bare = dir.resolve("fresh.git");
        Git.init().setBare(true).setDirectory(bare.toFile()).setInitialBranch("main").call().close();
        assertThat(cli("init").exitCode()).isZero();
        Path noConfig = Files.createDirectories(dir.resolve("no-git-config"));
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Duser.home=" + noConfig, "-Duser.name=ada", "-cp",
                System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                Main.class.getName(), "publish", bare.toString());
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("BRAIN_TRUST_") || k.startsWith("GIT_"));
        pb.environment().putAll(Map.of("PAI_HOME", home.toString(), "HOME", noConfig.toString(),
                "XDG_CONFIG_HOME", noConfig.toString(), "GIT_CONFIG_NOSYSTEM", "1"));
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        assertThat(output).containsPattern("note: committed as ada <ada@[^>]*>, which git made up: no git identity is set")
                .contains("--author 'Your Name <you@example.com>'");
        assertThat(output).doesNotContain("warning:");
    }

    @Test
    void clone_of_a_missing_repository_points_at_the_url_it_was_given_not_at_a_variable() {
        String missing = dir.resolve("no-such.git").toString();
        CliRun r = cli("clone", missing);
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).startsWith("error: no repository at " + missing).contains("check the URL given to 'brain-trust clone'")
                .doesNotContain("BRAIN_TRUST_GIT_URL").doesNotContain("retried");
        assertThat(r.err().strip().lines()).hasSize(1);
    }

    @Test
    void in_cloud_mode_the_model_aliases_come_from_the_repository_with_the_workflows() throws Exception {
        remote.commitAndPush("first", "context/MISSION.md", "m1", "context/GOALS.md", "g1", "context/BELIEFS.md", "b1",
                "workflows/models.json", "{\"house-model\": \"claude-opus-4-1\"}");
        env.put("BRAIN_TRUST_GIT_URL", remote.url());
        assertThat(cli("sync", "--once").exitCode()).isZero();
        assertThat(cli("status").out()).contains("  house-model → claude-opus-4-1  (workflows/models.json)");

        remote.commitAndPush("another table", "workflows/models.json", "{\"house-model\": \"gemini-2.5-pro\"}");
        assertThat(cli("sync", "--once").exitCode()).isZero();
        assertThat(cli("status").out()).contains("  house-model → gemini-2.5-pro  (workflows/models.json)")
                .doesNotContain("claude-opus-4-1  (workflows");
        assertThat(Files.exists(home.resolve("workflows/models.json"))).as("the mirror's work tree has it too").isTrue();
    }

    @Test
    void clone_then_local_edits_then_sync_once_keeps_the_edits_aside_and_says_so() throws Exception {
        remote.commitAndPush("first", "context/MISSION.md", "m1", "context/GOALS.md", "g1", "context/BELIEFS.md", "b1");
        assertThat(cli("clone", remote.url()).exitCode()).isZero();
        Files.writeString(home.resolve("context/GOALS.md"), "my goals, edited after the clone");
        env.put("BRAIN_TRUST_GIT_URL", remote.url());

        CliRun sync = cli("sync", "--once");
        assertThat(sync.exitCode()).as(sync.err()).isZero();
        assertThat(sync.out()).contains("Up to date with " + remote.url())
                .contains("Kept your local edits: 1 file that differed from the repository and would have been overwritten "
                        + "was moved to state/sync/overwritten/").contains(": context/GOALS.md");
        Path aside;
        try (var folders = Files.list(home.resolve("state/sync/overwritten"))) {
            aside = folders.findFirst().orElseThrow();
        }
        assertThat(aside.resolve("context/GOALS.md")).hasContent("my goals, edited after the clone");
        assertThat(home.resolve("context/GOALS.md")).hasContent("g1");

        assertThat(cli("status").out()).contains("  kept:      ").contains("moved to state/sync/overwritten/");
        String journal;
        try (var days = Files.list(home.resolve("logs"))) {
            journal = Files.readString(days.filter(p -> p.toString().endsWith(".md")).findFirst().orElseThrow());
        }
        assertThat(journal).contains("Sync from " + remote.url()).contains("Local edits kept: 1 file").contains("context/GOALS.md");
    }

    @Test
    void sync_once_refuses_a_clone_with_commits_not_pushed_yet_and_says_to_push() throws Exception {
        remote.commitAndPush("first", "context/MISSION.md", "m1", "context/GOALS.md", "g1", "context/BELIEFS.md", "b1");
        assertThat(cli("clone", remote.url()).exitCode()).isZero();
        try (Git git = Git.open(home.toFile())) {
            Files.writeString(home.resolve("context/GOALS.md"), "committed here");
            git.add().addFilepattern("context").call();
            git.commit().setMessage("My goals").setAuthor("Me", "me@example.org").setCommitter("Me", "me@example.org")
                    .setSign(false).call();
        }
        env.put("BRAIN_TRUST_GIT_URL", remote.url());
        CliRun sync = cli("sync", "--once");
        assertThat(sync.exitCode()).as("a failed sync").isEqualTo(1);
        assertThat(sync.err()).contains("has 1 commit that " + remote.url() + " (branch main) does not have")
                .contains("\"My goals\"").contains("Push first: git -C " + home + " push origin HEAD:main");
        assertThat(home.resolve("context/GOALS.md")).hasContent("committed here");
    }

    @Test
    void a_cloud_serve_on_a_clone_with_local_edits_keeps_them_aside_and_reports_it_in_status() throws Exception {
        remote.commitAndPush("first", "context/MISSION.md", "m1", "context/GOALS.md", "g1", "context/BELIEFS.md", "b1");
        assertThat(cli("clone", remote.url()).exitCode()).isZero();
        Files.writeString(home.resolve("context/MISSION.md"), "my mission, edited after the clone");
        Map<String, String> serveEnv = new HashMap<>(env);
        serveEnv.put("BRAIN_TRUST_GIT_URL", remote.url());
        ProcessBuilder serve = dev.braintrust.testing.ChildJvm.builder(Main.class, serveEnv, "serve", "--port", "0");
        try (var server = dev.braintrust.testing.ServedProcess.start(serve, dir.resolve("serve.log"), java.time.Duration.ofSeconds(60))) {
            dev.braintrust.testing.Poll.until(java.time.Duration.ofSeconds(30), "the first sync",
                    () -> Files.exists(home.resolve("state/sync/overwritten")));
            dev.braintrust.testing.Poll.until(java.time.Duration.ofSeconds(10), "the status to tell", () -> {
                try {
                    return server.get("/api/v1/status").body().contains("\"lastKeptAside\":{");
                } catch (Exception e) {
                    return false;
                }
            });
            com.fasterxml.jackson.databind.JsonNode kept = dev.braintrust.Json.mapper()
                    .readTree(server.get("/api/v1/status").body()).path("sync").path("lastKeptAside");
            assertThat(kept.path("paths").toString()).isEqualTo("[\"context/MISSION.md\"]");
            assertThat(home.resolve(kept.path("folder").asText()).resolve("context/MISSION.md"))
                    .hasContent("my mission, edited after the clone");
            assertThat(home.resolve("context/MISSION.md")).hasContent("m1");
            assertThat(server.logText()).contains("would have been overwritten").contains("context/MISSION.md");
        }
    }
}
