package dev.braintrust.sync;

import dev.braintrust.Config;
import dev.braintrust.Json;
import dev.braintrust.journal.Journal;
import dev.braintrust.testing.ChildJvm;
import dev.braintrust.testing.RemoteFixture;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The journal entry of a sync answered before it was written survives a SIGKILL in between: a child
 * process puts the record on disk as the server does before answering, and is killed with SIGKILL.
 */
class PendingRecordsTest {
    @TempDir
    Path dir;
    RemoteFixture remote;
    Path home;

    @BeforeEach
    void setUp() {
        remote = RemoteFixture.create(dir, "main");
        remote.commitAndPush("first", "context/MISSION.md", "m1");
        home = dir.resolve("home");
    }

    @AfterEach
    void tearDown() {
        remote.close();
    }

    /**
     * The child: keeps a record of a sync to {@code args[1]}, says so, and waits to be killed. With a third
     * argument (the remote), it first syncs the home as a webhook's sync does before its answer: the new
     * commit served, the working tree and the branch not moved yet.
     */
    public static void main(String[] args) throws Exception {
        Path home = Path.of(args[0]);
        PendingRecords pending = new PendingRecords(home.resolve("state/sync/pending"), Json.mapper());
        SyncResult result = new SyncResult(Instant.parse("2026-03-04T05:06:07Z"), "webhook", SyncResult.Outcome.UPDATED,
                null, args[1], List.of("context/MISSION.md"), 1, Duration.ofMillis(12), null);
        if (args.length > 2) {
            GitMirror mirror = GitMirror.open(home, GitRemote.of(Config.fromEnv(Map.of("HOME", home.getParent().toString(),
                    "BRAIN_TRUST_GIT_URL", args[2]))));
            result = mirror.sync("webhook", false);
        }
        PendingRecords.Record record = pending.keep(result);
        System.out.println(record == null ? "not kept" : "kept");
        System.out.flush();
        Thread.sleep(Duration.ofMinutes(5).toMillis());
    }

    private Process keepInChild(String... args) throws Exception {
        List<String> all = new java.util.ArrayList<>(List.of(home.toString()));
        all.addAll(List.of(args));
        Process child = ChildJvm.start(PendingRecordsTest.class, Map.of(), all.toArray(String[]::new));
        String line = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8)).readLine();
        assertThat(line).isEqualTo("kept");
        return child;
    }

    private SyncService openService(GitMirror mirror) {
        return new SyncService(mirror, new Journal(home.resolve("logs"), Clock.systemUTC()), () -> { }, Duration.ZERO, null,
                Clock.systemUTC());
    }

    private String journal() throws Exception {
        try (Stream<Path> days = Files.list(home.resolve("logs"))) {
            StringBuilder all = new StringBuilder();
            for (Path day : days.sorted().toList()) {
                all.append(Files.readString(day));
            }
            return all.toString();
        }
    }

    @Test
    void a_sync_answered_but_not_journaled_when_the_process_got_sigkill_is_journaled_at_the_next_start() throws Exception {
        GitRemote gitRemote = GitRemote.of(Config.fromEnv(Map.of("HOME", dir.toString(), "BRAIN_TRUST_GIT_URL", remote.url())));
        try (GitMirror mirror = GitMirror.open(home, gitRemote)) {
            mirror.sync("test");
        }
        String revision = remote.head();
        Process child = keepInChild(revision);
        child.destroyForcibly(); // SIGKILL: no shutdown hook, no finally block
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).isEqualTo(137);
        try (Stream<Path> left = Files.list(home.resolve("state/sync/pending"))) {
            assertThat(left.map(p -> p.getFileName().toString())).as("the record outlived the process").singleElement()
                    .satisfies(name -> assertThat(name).endsWith(".json"));
        }

        try (GitMirror mirror = GitMirror.open(home, gitRemote); SyncService service = openService(mirror)) {
            assertThat(journal()).contains("Sync from " + remote.url() + " (main, webhook)")
                    .contains("first clone at " + revision.substring(0, 12))
                    .contains("written at the next start: the server stopped right after this sync");
            assertThat(service.status().lastRevision()).isEqualTo(revision);
        }
        try (Stream<Path> left = Files.list(home.resolve("state/sync/pending"))) {
            assertThat(left).as("journaled once: the record is gone").isEmpty();
        }
        try (GitMirror mirror = GitMirror.open(home, gitRemote); SyncService ignored = openService(mirror)) {
            assertThat(journal().split("webhook\\)", -1)).as("a second start journals nothing again").hasSize(2);
        }
    }

    @Test
    void a_server_killed_after_serving_a_push_but_before_moving_the_branch_serves_it_again_at_once_and_journals_it_once() throws Exception {
        GitRemote gitRemote = GitRemote.of(Config.fromEnv(Map.of("HOME", dir.toString(), "BRAIN_TRUST_GIT_URL", remote.url())));
        String before;
        try (GitMirror mirror = GitMirror.open(home, gitRemote)) {
            before = mirror.sync("test").revision();
        }
        String pushed = remote.commitAndPush("second", "context/MISSION.md", "m2");
        Process child = keepInChild(pushed, remote.url());
        child.destroyForcibly(); // SIGKILL between the answer and what follows it
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        try (Git git = Git.open(home.toFile())) {
            assertThat(git.getRepository().resolve("HEAD").name()).as("the branch was not moved").isEqualTo(before);
        }

        try (GitMirror mirror = GitMirror.open(home, gitRemote); SyncService service = openService(mirror)) {
            assertThat(mirror.revision()).as("what readers saw before the kill").isEqualTo(pushed);
            assertThat(mirror.contextSource(Clock.systemUTC()).load().text("MISSION.md")).isEqualTo("m2");
            assertThat(journal()).contains(before.substring(0, 12) + " → " + pushed.substring(0, 12));
            SyncResult next = service.syncNow("start");
            assertThat(next.revision()).isEqualTo(pushed);
            try (Git git = Git.open(home.toFile())) {
                assertThat(git.getRepository().resolve("HEAD").name()).as("the first sync moved the branch").isEqualTo(pushed);
                assertThat(git.status().call().isClean()).as("and the working tree, with nothing kept aside").isTrue();
            }
            assertThat(Files.readString(home.resolve("context/MISSION.md"))).isEqualTo("m2");
            Thread.sleep(500); // the journal entry, if any, follows the answer
            assertThat(journal().split(java.util.regex.Pattern.quote("→ " + pushed.substring(0, 12)), -1))
                    .as("journaled once").hasSize(2);
        }
    }

    @Test
    void the_record_of_a_live_process_is_not_taken_for_a_dead_ones() throws Exception {
        GitRemote gitRemote = GitRemote.of(Config.fromEnv(Map.of("HOME", dir.toString(), "BRAIN_TRUST_GIT_URL", remote.url())));
        try (GitMirror mirror = GitMirror.open(home, gitRemote)) {
            mirror.sync("test");
        }
        Process child = keepInChild(remote.head());
        try {
            try (GitMirror mirror = GitMirror.open(home, gitRemote); SyncService ignored = openService(mirror)) {
                assertThat(Files.exists(home.resolve("logs")) ? journal() : "").doesNotContain("webhook)");
            }
            try (Stream<Path> left = Files.list(home.resolve("state/sync/pending"))) {
                assertThat(left).as("still the live process's").hasSize(1);
            }
        } finally {
            child.destroyForcibly();
            child.waitFor(30, TimeUnit.SECONDS);
        }
        try (GitMirror mirror = GitMirror.open(home, gitRemote); SyncService ignored = openService(mirror)) {
            assertThat(journal()).contains("webhook)");
        }
    }
}
