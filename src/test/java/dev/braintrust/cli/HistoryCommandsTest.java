package dev.braintrust.cli;

import dev.braintrust.BrainTrust;
import dev.braintrust.Config;
import dev.braintrust.server.ApiServer;
import dev.braintrust.testing.Files2;
import dev.braintrust.testing.LlmStandIn;
import dev.braintrust.testing.RemoteFixture;
import dev.braintrust.testing.TestHome;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code history}, {@code diff}, {@code restore}, {@code replay}, {@code pin} and {@code unpin}, run in-process. */
class HistoryCommandsTest {
    static final String WORKFLOW = """
            {"name": "Brief", "nodes": [{"id": "a", "type": "agentNode",
              "data": {"name": "Analyst", "role": "Analyst", "goal": "Summarise my mission"}}], "edges": []}
            """;

    @TempDir
    Path dir;
    final LlmStandIn llm = new LlmStandIn();
    RemoteFixture remote;

    @AfterEach
    void tearDown() {
        llm.close();
        if (remote != null) {
            remote.close();
        }
    }

    Map<String, String> localEnv(Path home) throws Exception {
        Map<String, String> env = new HashMap<>(TestHome.env(home, llm, Map.of()));
        env.put("BRAIN_TRUST_PORT", String.valueOf(CloudCommandsTest.freePort()));
        return env;
    }

    @Test
    void history_diff_and_restore_from_the_command_line() throws Exception {
        Path home = TestHome.create(dir.resolve("home"));
        Map<String, String> env = localEnv(home);
        CliRun first = CliRun.run(env, "history");
        assertThat(first.exitCode()).as(first.err()).isZero();
        assertThat(first.out().lines().toList()).hasSize(1).allMatch(l -> l.startsWith("* ") && l.contains(" edit "));
        String firstId = first.out().substring(2, 14);

        Files.writeString(home.resolve("context/MISSION.md"), "A new mission.\n");
        CliRun second = CliRun.run(env, "history");
        assertThat(second.out().lines().toList()).hasSize(2);
        assertThat(second.out().lines().findFirst().orElseThrow()).startsWith("* ").contains("context/MISSION.md (+1 -1)");
        assertThat(CliRun.run(env, "history", "GOALS.md").out().lines().toList()).hasSize(1);
        assertThat(CliRun.run(env, "history", "--json").out()).contains("\"goBack\" : \"restore\"");

        CliRun diff = CliRun.run(env, "diff");
        assertThat(diff.exitCode()).isZero();
        assertThat(diff.out()).contains("-" + TestHome.MISSION).contains("+A new mission.");
        assertThat(CliRun.run(env, "diff", firstId, "--stat").out()).isEqualTo("context/MISSION.md +1 -1\n");
        assertThat(CliRun.run(env, "diff", firstId, firstId).out()).startsWith("No change");

        Files.writeString(home.resolve("context/MISSION.md"), "Typed, never recorded.\n");
        CliRun restore = CliRun.run(env, "restore", firstId, "MISSION.md");
        assertThat(restore.exitCode()).as(restore.err()).isZero();
        assertThat(restore.out()).contains("Restored context/MISSION.md").contains("The text you had is kept as version");
        assertThat(Files.readString(home.resolve("context/MISSION.md"))).isEqualTo(TestHome.MISSION + "\n");
        String kept = restore.out().replaceAll("(?s).*kept as version ([0-9a-f]{40}).*", "$1").strip();
        assertThat(CliRun.run(env, "diff", kept).out()).contains("-Typed, never recorded.");

        CliRun unknown = CliRun.run(env, "restore", "abcdef0123");
        assertThat(unknown.exitCode()).isEqualTo(Main.BAD_INPUT);
        assertThat(unknown.err()).contains("no version 'abcdef0123'");
        CliRun pin = CliRun.run(env, "pin", firstId);
        assertThat(pin.exitCode()).isEqualTo(Main.BAD_INPUT);
        assertThat(pin.err()).contains("brain-trust restore");
    }

    @Test
    void replay_from_the_command_line_sends_the_old_context_or_with_current_todays() throws Exception {
        Path home = TestHome.create(dir.resolve("home"));
        TestHome.noSkills(home);
        Map<String, String> env = localEnv(home);
        llm.script(call -> LlmStandIn.Reply.text("read it"));
        Path workflow = Files2.write(dir.resolve("brief.json"), WORKFLOW);
        CliRun run = CliRun.run(env, "run", workflow.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        String runId = run.err().replaceAll("(?s).*Run (\\S+) succeeded.*", "$1");

        Files.writeString(home.resolve("context/MISSION.md"), "The mission after the run.\n");
        CliRun replay = CliRun.run(env, "replay", runId);
        assertThat(replay.exitCode()).as(replay.err()).isZero();
        assertThat(replay.err()).contains("Replaying run " + runId).contains("on its own context");
        assertThat(llm.calls().get(1).system()).contains(TestHome.MISSION).doesNotContain("after the run");

        CliRun current = CliRun.run(env, "replay", runId, "--current");
        assertThat(current.exitCode()).as(current.err()).isZero();
        assertThat(llm.calls().get(2).system()).contains("The mission after the run.");
        assertThat(CliRun.run(env, "replay", "20200101-000000-000000").exitCode()).isEqualTo(Main.BAD_INPUT);
    }

    @Test
    void publish_never_carries_the_history_and_the_published_home_shows_its_commit() throws Exception {
        Path home = TestHome.create(dir.resolve("home"));
        Map<String, String> env = localEnv(home);
        assertThat(CliRun.run(env, "history").exitCode()).isZero();
        Files.writeString(home.resolve("context/MISSION.md"), "Edited before publishing.\n");
        assertThat(CliRun.run(env, "history").out().lines().toList()).hasSize(2);
        org.eclipse.jgit.api.Git.init().setBare(true).setDirectory(dir.resolve("published.git").toFile())
                .setInitialBranch("main").call().close();
        CliRun published = CliRun.run(env, "publish", dir.resolve("published.git").toString());
        assertThat(published.exitCode()).as(published.err()).isZero();
        java.util.List<String> paths = new java.util.ArrayList<>();
        try (org.eclipse.jgit.api.Git bare = org.eclipse.jgit.api.Git.open(dir.resolve("published.git").toFile());
             org.eclipse.jgit.treewalk.TreeWalk walk = new org.eclipse.jgit.treewalk.TreeWalk(bare.getRepository())) {
            walk.addTree(bare.getRepository().parseCommit(bare.getRepository().resolve("main")).getTree());
            walk.setRecursive(true);
            while (walk.next()) {
                paths.add(walk.getPathString());
            }
        }
        assertThat(paths).contains("context/MISSION.md").noneMatch(p -> p.startsWith("state/") || p.contains("history"));

        CliRun history = CliRun.run(env, "history");
        assertThat(history.out().lines().filter(l -> l.contains(" commit ")).count()).as(history.out()).isEqualTo(1);
        assertThat(history.out().lines().filter(l -> l.contains(" edit ")).count()).isEqualTo(2);
    }

    Map<String, String> cloudEnv() throws Exception {
        remote = RemoteFixture.create(dir, "main");
        Map<String, String> env = new HashMap<>(Map.of("HOME", dir.toString(), "PAI_HOME", dir.resolve("cloud").toString(),
                "BRAIN_TRUST_GIT_URL", remote.url(), "BRAIN_TRUST_PORT", String.valueOf(CloudCommandsTest.freePort()),
                "BRAIN_TRUST_SYNC_INTERVAL", "0"));
        return env;
    }

    @Test
    void pin_and_unpin_a_home_without_a_server_and_history_shows_the_commits() throws Exception {
        Map<String, String> env = cloudEnv();
        String first = remote.commitAndPush("First mission", "context/MISSION.md", "one\n");
        remote.commitAndPush("Second mission", "context/MISSION.md", "two\n");
        assertThat(CliRun.run(env, "sync", "--once").exitCode()).isZero();
        CliRun history = CliRun.run(env, "history");
        assertThat(history.out()).contains("sync    Author: Second mission — context/MISSION.md (+1 -1)")
                .contains("Author: First mission");

        CliRun pin = CliRun.run(env, "pin", first.substring(0, 8));
        assertThat(pin.exitCode()).as(pin.err()).isZero();
        assertThat(pin.out()).contains("pinned to " + first.substring(0, 12) + ", 1 commit behind main");
        assertThat(CliRun.run(env, "sync", "--once").exitCode()).isZero();
        assertThat(CliRun.run(env, "context", "--prompt", "x").out()).contains("one").doesNotContain("two");
        CliRun restore = CliRun.run(env, "restore", first);
        assertThat(restore.exitCode()).isEqualTo(Main.FAILED);
        assertThat(restore.err()).contains("brain-trust pin " + first);

        CliRun unpin = CliRun.run(env, "unpin");
        assertThat(unpin.exitCode()).as(unpin.err()).isZero();
        assertThat(unpin.out()).contains("Following main again");
        assertThat(CliRun.run(env, "context", "--prompt", "x").out()).contains("two");
    }

    @Test
    void pin_asks_the_running_server_which_then_serves_the_commit() throws Exception {
        Map<String, String> env = cloudEnv();
        String first = remote.commitAndPush("First", "context/MISSION.md", "one\n");
        remote.commitAndPush("Second", "context/MISSION.md", "two\n");
        try (BrainTrust bt = BrainTrust.open(Config.fromEnv(env))) {
            bt.sync().orElseThrow().syncNow("test");
            ApiServer server = new ApiServer(bt).start();
            try {
                CliRun pin = CliRun.run(env, "pin", first);
                assertThat(pin.exitCode()).as(pin.err()).isZero();
                assertThat(pin.out()).startsWith("The server at 127.0.0.1:").contains("pinned to " + first.substring(0, 12));
                assertThat(bt.context().snapshot().revision()).isEqualTo(first);
                assertThat(bt.status().sync().pin().behind()).isEqualTo(1);
                CliRun unpin = CliRun.run(env, "unpin");
                assertThat(unpin.exitCode()).as(unpin.err()).isZero();
                assertThat(bt.context().snapshot().text("MISSION.md")).isEqualTo("two");
            } finally {
                server.close();
            }
        }
    }
}
