package dev.braintrust.sync;

import dev.braintrust.Config;
import dev.braintrust.testing.ChildJvm;
import dev.braintrust.testing.RemoteFixture;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A crash or a kill during a sync leaves a home that the next start repairs by itself. One test kills a
 * real child JVM running {@code brain-trust sync --once} with SIGKILL in the middle of a sync; another
 * writes by hand the leftovers such a kill can leave (stale locks, a half-written ref and packed-refs,
 * an unfinished checkout, a half-updated working tree).
 */
class CrashRecoveryTest {
    @TempDir
    Path dir;
    RemoteFixture remote;
    Path home;
    String small;

    @BeforeEach
    void setUp() {
        remote = RemoteFixture.create(dir, "main");
        small = remote.commitAndPush("small", "context/MISSION.md", "mission A", "context/GOALS.md", "goals A",
                "context/BELIEFS.md", "beliefs A", "skills/a.sh", "#!/bin/sh\necho A\n");
        home = dir.resolve("home");
    }

    @AfterEach
    void tearDown() {
        remote.close();
    }

    GitRemote gitRemote() {
        return GitRemote.of(Config.fromEnv(Map.of("HOME", dir.toString(), "BRAIN_TRUST_GIT_URL", remote.url())));
    }

    /** A commit big enough that checking it out takes a while: thousands of files in the working tree and the checkout. */
    String pushBigCommit() {
        Map<String, String> files = new LinkedHashMap<>();
        String filler = "x".repeat(2000);
        for (int i = 0; i < 800; i++) {
            files.put("data/d" + (i % 30) + "/file" + i + ".txt", i + filler);
            files.put("skills/lib/m" + i + ".txt", i + filler);
        }
        files.put("context/MISSION.md", "mission B");
        files.put("context/GOALS.md", "goals B");
        String id = remote.commit("big", files);
        remote.push();
        return id;
    }

    @Test
    void a_sync_killed_with_sigkill_in_the_working_tree_update_is_repaired_by_the_next_start() throws Exception {
        killMidSync(".git/index.lock", p -> p.equals(home.resolve(".git/index.lock")));
    }

    @Test
    void a_sync_killed_with_sigkill_while_writing_the_checkout_is_repaired_by_the_next_start() throws Exception {
        Path checkouts = home.resolve("state/sync/checkouts");
        killMidSync("an unfinished checkout", p -> p.getParent().equals(checkouts) && p.getFileName().toString().startsWith(".tmp-"));
    }

    private void killMidSync(String marker, Predicate<Path> isMarker) throws Exception {
        try (GitMirror mirror = GitMirror.open(home, gitRemote())) {
            mirror.sync("test");
        }
        Files.writeString(home.resolve("logs/2026-01-01.md"), "journal before the crash");
        String big = pushBigCommit();
        Process child = startSyncOnce();
        Path found = null;
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        Path watched = marker.startsWith(".git") ? home.resolve(".git") : home.resolve("state/sync/checkouts");
        while (found == null && child.isAlive() && System.nanoTime() < deadline) {
            found = find(watched, isMarker);
        }
        child.destroyForcibly(); // SIGKILL on Linux: no shutdown hook, no finally block runs
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String output = Files.readString(dir.resolve("child.log"));
        assertThat(found).as("the kill landed while %s existed (child output: %s)", marker, output).isNotNull();
        assertThat(child.exitValue()).as("killed, not finished").isEqualTo(137);
        assertThat(find(watched, isMarker)).as("the kill left %s behind", marker).isNotNull();

        try (GitMirror restarted = GitMirror.open(home, gitRemote())) {
            assertThat(restarted.revision()).as("the last whole commit is served at once").isIn(small, big);
            SyncResult r = restarted.sync("restart");
            assertThat(r.revision()).isEqualTo(big);
            assertRepaired(restarted, big);
        }
        assertThat(Files.readString(home.resolve("logs/2026-01-01.md"))).isEqualTo("journal before the crash");
    }

    private Process startSyncOnce() throws IOException {
        return ChildJvm.builder(dev.braintrust.cli.Main.class,
                        Map.of("PAI_HOME", home.toString(), "BRAIN_TRUST_GIT_URL", remote.url(), "HOME", dir.toString()),
                        "sync", "--once")
                .redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
    }

    private static Path find(Path dir, Predicate<Path> which) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.filter(which).findFirst().orElse(null);
        } catch (java.nio.file.NoSuchFileException e) {
            return null;
        }
    }

    @Test
    void repairs_the_leftovers_a_kill_can_leave() throws Exception {
        try (GitMirror mirror = GitMirror.open(home, gitRemote())) {
            mirror.sync("test");
        }
        String next = remote.commitAndPush("next", "context/GOALS.md", "goals B", "skills/a.sh", "#!/bin/sh\necho B\n");
        Path git = home.resolve(".git");
        Files.writeString(git.resolve("index.lock"), "half an index");
        Files.writeString(git.resolve("HEAD.lock"), "ref: refs/heads/ma");
        Files.writeString(git.resolve("config.lock"), "[core");
        Files.createDirectories(git.resolve("refs/remotes/origin"));
        Files.writeString(git.resolve("refs/remotes/origin/main.lock"), "");
        Files.writeString(git.resolve("refs/heads/main"), small.substring(0, 17)); // a half-written ref
        Files.writeString(git.resolve("packed-refs"), "# pack-refs with: peeled fully-peeled sorted \n" + small.substring(0, 30));
        Path unfinished = home.resolve("state/sync/checkouts/.tmp-" + next + "-dead1234/skills");
        Files.createDirectories(unfinished);
        Files.writeString(unfinished.resolve("a.sh"), "#!/bin/sh\necho ha");
        Files.writeString(home.resolve("context/MISSION.md"), "half-written by a checkout");
        Files.delete(home.resolve("context/BELIEFS.md"));
        Files.writeString(git.resolve("objects/pack/incoming_1234.pack"), "PACK");
        Files.writeString(home.resolve("state/brain-trust.db"), "the run database");

        try (GitMirror restarted = GitMirror.open(home, gitRemote())) {
            SyncResult r = restarted.sync("restart");
            assertThat(r.revision()).isEqualTo(next);
            assertRepaired(restarted, next);
            assertThat(Files.readString(home.resolve("context/MISSION.md"))).isEqualTo("mission A");
            assertThat(Files.readString(home.resolve("context/BELIEFS.md"))).isEqualTo("beliefs A");
            assertThat(home.resolve("state/sync/checkouts").resolve(".tmp-" + next + "-dead1234")).doesNotExist();
            assertThat(git.resolve("objects/pack/incoming_1234.pack")).doesNotExist();
            assertThat(Files.readString(restarted.skillsFolder().resolve("a.sh"))).contains("echo B");
        }
        assertThat(Files.readString(home.resolve("state/brain-trust.db"))).isEqualTo("the run database");
    }

    /** No lock left, HEAD and the working tree at the commit, and its checkout complete. */
    private void assertRepaired(GitMirror mirror, String commit) throws Exception {
        try (Stream<Path> all = Files.walk(home.resolve(".git"))) {
            assertThat(all.filter(p -> p.toString().endsWith(".lock")).toList()).isEmpty();
        }
        try (Git git = Git.open(home.toFile())) {
            assertThat(git.getRepository().resolve(Constants.HEAD).name()).isEqualTo(commit);
            var status = git.status().call();
            assertThat(status.isClean()).as("modified %s missing %s untracked %s", status.getModified(), status.getMissing(),
                    status.getUntracked()).isTrue();
            List<String> expected = new ArrayList<>();
            try (TreeWalk walk = new TreeWalk(git.getRepository())) {
                walk.addTree(git.getRepository().parseCommit(git.getRepository().resolve(commit)).getTree());
                walk.setRecursive(true);
                while (walk.next()) {
                    if (!walk.getPathString().startsWith("logs/") && !walk.getPathString().startsWith("state/")) {
                        expected.add(walk.getPathString()); // the whole commit, but what belongs to the server
                    }
                }
            }
            Path checkout = mirror.skillsFolder().getParent();
            try (Stream<Path> files = Files.walk(checkout)) {
                assertThat(files.filter(Files::isRegularFile).map(p -> checkout.relativize(p).toString()).toList())
                        .containsExactlyInAnyOrderElementsOf(expected);
            }
        }
        try (Stream<Path> tmp = Files.list(home.resolve("state/sync/checkouts"))) {
            assertThat(tmp.filter(p -> p.getFileName().toString().startsWith(".tmp-")).toList()).isEmpty();
        }
        assertThat(mirror.contextSource(Clock.systemUTC()).load().revision()).isEqualTo(commit);
    }
}
