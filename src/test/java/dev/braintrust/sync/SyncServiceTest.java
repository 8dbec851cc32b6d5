package dev.braintrust.sync;

import dev.braintrust.Config;
import dev.braintrust.Secret;
import dev.braintrust.context.ContextService;
import dev.braintrust.journal.Journal;
import dev.braintrust.testing.Poll;
import dev.braintrust.testing.RemoteFixture;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.revwalk.ObjectWalk;
import org.eclipse.jgit.revwalk.RevObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class SyncServiceTest {
    @TempDir
    Path dir;
    RemoteFixture remote;
    Path home;
    GitMirror mirror;
    SyncService service;
    ContextService context;
    Journal journal;

    @BeforeEach
    void setUp() {
        remote = RemoteFixture.create(dir, "main");
        remote.commitAndPush("first", "context/MISSION.md", "m1", "context/GOALS.md", "g1", "context/BELIEFS.md", "b1");
        home = dir.resolve("home");
    }

    /** Runs in every sync that moves the mirror, while it runs (a test may hold a sync there). */
    private volatile Runnable duringSync = () -> { };

    void open(Duration interval) {
        GitRemote gitRemote = GitRemote.of(Config.fromEnv(Map.of("HOME", dir.toString(), "BRAIN_TRUST_GIT_URL", remote.url())));
        mirror = GitMirror.open(home, gitRemote);
        context = new ContextService(mirror.contextSource(Clock.systemUTC()), Duration.ofHours(1));
        journal = new Journal(home.resolve("logs"), Clock.systemUTC());
        service = new SyncService(mirror, journal, () -> {
            context.invalidate();
            duringSync.run();
        }, interval,
                Secret.ofNullable(WebhookTest.SECRET), Clock.systemUTC());
    }

    @AfterEach
    void tearDown() {
        if (service != null) {
            service.close();
            mirror.close();
        }
        remote.close();
    }

    @Test
    void the_warm_up_s_requests_run_beside_its_pushes_on_a_thread_of_their_own() throws Exception {
        open(Duration.ZERO);
        service.syncNow("start");
        Path scratch = home.resolve("state/sync/warm-up/home");
        java.util.concurrent.atomic.AtomicInteger rendered = new java.util.concurrent.atomic.AtomicInteger();
        List<String> rounds = java.util.Collections.synchronizedList(new ArrayList<>());
        service.warmUpInBackground(() -> {
            // waits for the sync's warm-up to be at its pushes, and not past them: taking turns on one thread, it never would be
            boolean beside = !rounds.isEmpty()
                    || Poll.within(Duration.ofSeconds(30), () -> Files.isDirectory(scratch)) && rendered.get() < SyncTuning.WARM_UP_PUSHES;
            rounds.add(Thread.currentThread().getName() + (beside ? "" : " (alone)"));
        }, countingContexts(rendered));
        Poll.until(Duration.ofSeconds(60), "the warm-up's rounds of requests", () -> rounds.size() == SyncTuning.WARM_UP_REQUEST_ROUNDS);
        assertThat(rounds).as("each round on the requests' own thread, the first while the sync's warm-up pushed")
                .containsOnly("http-warm-up");
        afterTheWarmUp();
        assertThat(service.status().lastRevision()).as("the home serves the remote's commit, not a scratch one")
                .isEqualTo(remote.head());
    }

    @Test
    void the_warm_up_s_requests_stop_once_a_real_sync_is_asked_for() throws Exception {
        open(Duration.ZERO);
        service.syncNow("start");
        java.util.concurrent.atomic.AtomicInteger rounds = new java.util.concurrent.atomic.AtomicInteger();
        CountDownLatch realSync = new CountDownLatch(1);
        service.warmUpInBackground(() -> {
            if (rounds.incrementAndGet() == 2) {
                service.requestSync("webhook").thenRun(realSync::countDown);
            }
        }, PushRendering.NONE);
        assertThat(realSync.await(60, TimeUnit.SECONDS)).isTrue();
        assertThat(rounds.get()).as("no round after the one that asked for a real sync").isEqualTo(2);
    }

    @Test
    void the_warm_up_s_scratch_folder_is_deleted_when_the_service_closes_not_while_a_first_push_may_come() throws Exception {
        open(Duration.ZERO);
        service.syncNow("start");
        Path scratch = home.resolve("state/sync/warm-up");
        Files.createDirectories(scratch);
        Files.writeString(scratch.resolve("left-by-a-killed-server"), "x");
        java.util.concurrent.atomic.AtomicInteger rendered = new java.util.concurrent.atomic.AtomicInteger();
        service.warmUpInBackground(() -> { }, countingContexts(rendered));
        Poll.until(Duration.ofSeconds(60), "every scratch push rendered", () -> rendered.get() == SyncTuning.WARM_UP_PUSHES);
        afterTheWarmUp();
        assertThat(scratch.resolve("left-by-a-killed-server")).as("a killed server's leftovers, deleted before the scratch pushes")
                .doesNotExist();
        assertThat(scratch).as("kept once the warm-up ended: deleting it (tens of ms) met the first push right after start")
                .isDirectory();
        service.close();
        assertThat(scratch).as("deleted when the service closes").doesNotExist();
        assertThat(service.status().lastRevision()).isEqualTo(remote.head());
    }

    /** A rendering that only counts the contexts it is handed: one per scratch push. */
    private static PushRendering countingContexts(java.util.concurrent.atomic.AtomicInteger rendered) {
        return new PushRendering() {
            @Override
            public void webhookAnswer(Map<String, Object> answer) {
            }

            @Override
            public void context(dev.braintrust.context.ContextSnapshot snapshot) {
                rendered.incrementAndGet();
            }
        };
    }

    /** Waits for the warm-up to end, once it is past its last push: a sync handed to the sync thread runs after it. */
    private void afterTheWarmUp() throws Exception {
        service.requestSync("after the warm-up").get(60, TimeUnit.SECONDS);
    }

    @Test
    void the_warm_up_hands_the_answers_to_each_of_its_pushes_over_for_rendering() throws Exception {
        open(Duration.ZERO);
        service.syncNow("start");
        List<Map<String, Object>> answers = java.util.Collections.synchronizedList(new ArrayList<>());
        List<String> contexts = java.util.Collections.synchronizedList(new ArrayList<>());
        service.warmUpInBackground(() -> { }, new PushRendering() {
            @Override
            public void webhookAnswer(Map<String, Object> answer) {
                answers.add(answer);
            }

            @Override
            public void context(dev.braintrust.context.ContextSnapshot snapshot) {
                contexts.add(snapshot.revision() + " " + snapshot.text("GOALS.md").lines().findFirst().orElse(""));
            }
        });
        Poll.until(Duration.ofSeconds(60), "every scratch push rendered", () -> contexts.size() == SyncTuning.WARM_UP_PUSHES);
        afterTheWarmUp();
        assertThat(answers).as("one answer per scratch push, of a real delivery's shape").allSatisfy(answer -> {
            assertThat(answer).containsEntry("status", "synced").containsKeys("revision", "previous", "durationMs", "stepsMs");
            assertThat(answer.get("changed")).asList().containsExactly("context/GOALS.md");
        });
        assertThat(answers.stream().map(a -> a.get("revision")).distinct()).hasSize(SyncTuning.WARM_UP_PUSHES);
        assertThat(contexts).as("each push's context, read from the commit its answer names")
                .containsExactlyElementsOf(answers.stream().map(a -> a.get("revision") + " # Goals").toList());
        assertThat(service.status().lastRevision()).isEqualTo(remote.head());
    }

    @Test
    void invalidates_the_context_and_writes_the_journal_only_when_the_revision_changed() {
        open(Duration.ZERO);
        service.syncNow("test");
        assertThat(context.snapshot().text("GOALS.md")).isEqualTo("g1");
        long loads = context.loadCount();
        service.syncNow("test");
        service.syncNow("test");
        context.snapshot();
        assertThat(context.loadCount()).as("an unchanged sync keeps the cache").isEqualTo(loads);
        String next = remote.commitAndPush("goals", "context/GOALS.md", "g2");
        service.syncNow("test");
        assertThat(context.snapshot().revision()).isEqualTo(next);
        assertThat(context.snapshot().text("GOALS.md")).isEqualTo("g2");
        assertThat(context.loadCount()).isEqualTo(loads + 1);
        // The journal is written on the sync thread, in order, right after the answer: wait for the last entry.
        Poll.until(Duration.ofSeconds(10), "the journal entry of " + next,
                () -> !journal.days().isEmpty() && journal.read(journal.today().toString()).contains("Context revision: " + next));
        String today = journal.read(journal.today().toString());
        assertThat(today.split("\n## ", -1)).as("one entry per sync that changed something (and a title)").hasSize(3);
        assertThat(today).contains("context/GOALS.md").contains("synced");
    }

    @Test
    void records_each_sync_with_time_revisions_paths_duration_and_outcome() {
        open(Duration.ZERO);
        SyncResult first = service.syncNow("api");
        String next = remote.commitAndPush("goals", "context/GOALS.md", "g2");
        service.syncNow("cli");
        List<SyncResult> history = service.history();
        assertThat(history).hasSize(2);
        SyncResult last = history.get(0);
        assertThat(last.trigger()).isEqualTo("cli");
        assertThat(last.previous()).isEqualTo(first.revision());
        assertThat(last.revision()).isEqualTo(next);
        assertThat(last.changed()).containsExactly("context/GOALS.md");
        assertThat(last.duration()).isPositive();
        assertThat(last.time()).isAfterOrEqualTo(first.time());
        SyncStatus status = service.status();
        assertThat(status.lastOutcome()).isEqualTo("updated");
        assertThat(status.lastRevision()).isEqualTo(next);
        assertThat(status.ready()).isTrue();
        assertThat(status.note()).contains("local edits on the server are overwritten by the next sync");
        assertThat(home.resolve("state/sync/last-sync.json")).exists();
    }

    @Test
    void a_failed_sync_is_reported_and_the_last_good_snapshot_stays_served() throws Exception {
        open(Duration.ZERO);
        String good = service.syncNow("test").revision();
        Path away = dir.resolve("away.git");
        Files.move(remote.bare, away);
        SyncResult failed = service.requestSync("test").get(1, TimeUnit.MINUTES);
        assertThat(failed.failed()).isTrue();
        SyncStatus status = service.status();
        assertThat(status.lastOutcome()).isEqualTo("failed");
        assertThat(status.lastError()).contains("no repository at");
        assertThat(status.ready()).as("ready stays true once a snapshot exists").isTrue();
        assertThat(status.revision()).isEqualTo(good);
        assertThat(status.consecutiveFailures()).isEqualTo(1);
        assertThat(context.snapshot().revision()).isEqualTo(good);
        Files.move(away, remote.bare);
        service.syncNow("test");
        assertThat(service.status().consecutiveFailures()).isZero();
        assertThat(service.status().lastError()).isNull();
    }

    @Test
    void the_status_of_the_last_sync_survives_a_restart() {
        open(Duration.ZERO);
        String rev = service.syncNow("test").revision();
        service.close();
        mirror.close();
        open(Duration.ZERO);
        SyncStatus status = service.status();
        assertThat(status.lastRevision()).isEqualTo(rev);
        assertThat(status.lastOutcome()).isEqualTo("updated");
        assertThat(status.revision()).isEqualTo(rev);
    }

    @Test
    void backs_off_after_failures_but_never_waits_longer_than_the_interval() {
        Duration fiveMinutes = Duration.ofMinutes(5);
        assertThat(SyncService.delayAfter(0, fiveMinutes)).isEqualTo(fiveMinutes);
        assertThat(SyncService.delayAfter(1, fiveMinutes)).isEqualTo(Duration.ofSeconds(5));
        assertThat(SyncService.delayAfter(2, fiveMinutes)).isEqualTo(Duration.ofSeconds(10));
        assertThat(SyncService.delayAfter(6, fiveMinutes)).isEqualTo(Duration.ofSeconds(160));
        assertThat(SyncService.delayAfter(7, fiveMinutes)).as("320 s, capped").isEqualTo(fiveMinutes);
        assertThat(SyncService.delayAfter(60, fiveMinutes)).isEqualTo(fiveMinutes);
        Duration oneSecond = Duration.ofSeconds(1);
        assertThat(SyncService.delayAfter(1, oneSecond)).isEqualTo(oneSecond);
        assertThat(SyncService.delayAfter(4, oneSecond)).isEqualTo(oneSecond);
        Duration minute = Duration.ofMinutes(1);
        assertThat(SyncService.delayAfter(4, minute)).isEqualTo(Duration.ofSeconds(40));
        assertThat(SyncService.delayAfter(5, minute)).isEqualTo(minute);
        Duration hourly = Duration.ofHours(1);
        assertThat(SyncService.delayAfter(10, hourly)).isEqualTo(Duration.ofSeconds(5 * 512));
        assertThat(SyncService.delayAfter(30, hourly)).isEqualTo(hourly);
    }

    @Test
    void says_cloning_during_the_first_clone_then_the_failure_once_an_attempt_failed() throws Exception {
        open(Duration.ZERO);
        String url = remote.url();
        assertThat(service.readinessProblem()).isEqualTo("no snapshot yet: " + url + " has not been cloned into " + home
                + "; start the server, or run 'brain-trust sync --once'");
        try (dev.braintrust.testing.LogCapture logs = new dev.braintrust.testing.LogCapture()) {
            try (FileMutex held = FileMutex.acquire(home.resolve("state/sync/sync.lock"), Duration.ofSeconds(5))) {
                service.start(); // the first sync waits for the lock: the clone is under way
                assertThat(service.readinessProblem()).isEqualTo("cloning " + url + " (first start)");
                assertThat(service.cloningFirst()).isTrue();
                org.assertj.core.api.Assertions.assertThatThrownBy(context::snapshot)
                        .hasMessage("cloning " + url + " (first start)");
            }
            Poll.until(Duration.ofSeconds(30), "the first clone", service::ready);
            remote.commitAndPush("one more", "context/GOALS.md", "g2");
            service.syncNow("test");
            assertThat(logs.lines()).anyMatch(l -> l.contains("cloning " + url + " (first start), branch main, into " + home))
                    .anyMatch(l -> l.contains("(3 paths changed, "))
                    .anyMatch(l -> l.contains("(1 path changed, "))
                    .noneMatch(l -> l.startsWith("WARN"));
        }
        assertThat(service.readinessProblem()).isNull();
        service.close();
        mirror.close();
        service = null;

        Path other = dir.resolve("other-home");
        GitRemote gone = GitRemote.of(Config.fromEnv(Map.of("HOME", dir.toString(),
                "BRAIN_TRUST_GIT_URL", dir.resolve("gone.git").toString())));
        try (GitMirror failing = GitMirror.open(other, gone);
             SyncService failingService = new SyncService(failing, journal, () -> { }, Duration.ZERO, null, Clock.systemUTC())) {
            failingService.start();
            Poll.until(Duration.ofSeconds(30), "the first attempt to fail", () -> failingService.status().lastOutcome() != null);
            assertThat(failingService.readinessProblem()).startsWith("no snapshot yet: the first sync from " + dir.resolve("gone.git")
                    + " failed: no repository at");
            assertThat(failingService.cloningFirst()).isFalse();
        }
    }

    @Test
    void periodic_sync_picks_up_a_push_and_retries_after_failures() throws Exception {
        open(Duration.ofMillis(200));
        service.start();
        Poll.until(Duration.ofSeconds(20), "the first sync", () -> mirror.hasSnapshot());
        String next = remote.commitAndPush("goals", "context/GOALS.md", "g2");
        Poll.until(Duration.ofSeconds(20), "the periodic sync of " + next, () -> next.equals(mirror.revision()));
        assertThat(service.status().nextSyncAt()).isNotNull();
        Path away = dir.resolve("away.git");
        Files.move(remote.bare, away);
        Poll.until(Duration.ofSeconds(20), "two failures", () -> service.status().consecutiveFailures() >= 2);
        assertThat(context.snapshot().revision()).isEqualTo(next);
        Files.move(away, remote.bare);
        String after = remote.commitAndPush("after", "context/GOALS.md", "g3");
        Poll.until(Duration.ofSeconds(30), "recovery",
                () -> after.equals(mirror.revision()) && service.status().consecutiveFailures() == 0);
        assertThat(service.status().lastError()).isNull();
    }

    @Test
    void a_hundred_deliveries_arriving_while_a_sync_runs_share_the_next_one_and_all_are_answered() throws Exception {
        open(Duration.ZERO);
        service.syncNow("test");
        int before = service.history().size();
        String body = WebhookTest.push("refs/heads/main");
        String pushed = remote.commitAndPush("burst", "context/GOALS.md", "burst");
        CountDownLatch inSync = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        duringSync = () -> {
            inSync.countDown();
            try {
                release.await(1, TimeUnit.MINUTES); // the first delivery's sync runs until the others wait
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        List<Thread> threads = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(100, r -> {
            Thread t = new Thread(r);
            threads.add(t);
            return t;
        });
        List<Future<WebhookResponse>> answers = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            Map<String, String> headers = WebhookTest.github("push", "delivery-" + i, body);
            answers.add(pool.submit(() -> service.handleWebhook(headers, new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)))));
            if (i == 0) {
                assertThat(inSync.await(1, TimeUnit.MINUTES)).as("the first delivery's sync started").isTrue();
            }
        }
        Poll.until(Duration.ofMinutes(1), "the other 99 deliveries waiting for a sync", () -> waitingForASync(threads) == 99);
        release.countDown();
        for (Future<WebhookResponse> answer : answers) {
            WebhookResponse r = answer.get(2, TimeUnit.MINUTES);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).containsEntry("status", "synced").containsEntry("revision", pushed);
        }
        pool.shutdown();
        List<SyncResult> ran = service.history().subList(0, service.history().size() - before);
        // Each delivery gets a sync that started after it arrived; those arriving while one runs share the next.
        assertThat(ran).as("the first delivery's sync, and one for the 99 that came while it ran").hasSize(2);
        assertThat(ran.stream().filter(SyncResult::revisionChanged).count()).as("one sync moved the mirror").isEqualTo(1);
        assertThat(mirror.revision()).isEqualTo(pushed);
        assertMirrorIsSound(pushed);
    }

    private static long waitingForASync(List<Thread> threads) {
        synchronized (threads) {
            return threads.stream().filter(t -> java.util.Arrays.stream(t.getStackTrace())
                    .anyMatch(f -> f.getClassName().equals(SyncService.class.getName()) && f.getMethodName().equals("await"))).count();
        }
    }

    @Test
    void deliveries_during_pushes_end_on_the_last_push_with_a_sound_mirror() throws Exception {
        open(Duration.ZERO);
        service.syncNow("test");
        String body = WebhookTest.push("refs/heads/main");
        ExecutorService pool = Executors.newFixedThreadPool(20);
        List<Future<WebhookResponse>> answers = new ArrayList<>();
        for (int push = 0; push < 5; push++) {
            remote.commitAndPush("push " + push, "context/GOALS.md", "goals " + push, "context/P" + push + ".md", "p");
            for (int i = 0; i < 20; i++) {
                Map<String, String> headers = WebhookTest.github("push", "p" + push + "-" + i, body);
                answers.add(pool.submit(() -> service.handleWebhook(headers,
                        new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)))));
            }
        }
        for (Future<WebhookResponse> answer : answers) {
            assertThat(answer.get(2, TimeUnit.MINUTES).status()).isEqualTo(200);
        }
        pool.shutdown();
        Map<String, String> last = WebhookTest.github("push", "last", body);
        WebhookResponse r = service.handleWebhook(last, new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)));
        assertThat(r.body()).containsEntry("revision", remote.head());
        assertThat(context.snapshot().text("GOALS.md")).isEqualTo("goals 4");
        assertMirrorIsSound(remote.head());
    }

    /**
     * HEAD is the commit, the working tree equals it, and every object reachable from it can be read: once the
     * webhook's answers stop, the working tree follows them within the quiet time and its own work.
     */
    private void assertMirrorIsSound(String commit) throws Exception {
        Poll.until(Duration.ofSeconds(30), "HEAD to follow the answer to " + commit, () -> {
            try (Git git = Git.open(home.toFile())) {
                return commit.equals(git.getRepository().resolve(Constants.HEAD).name());
            } catch (java.io.IOException e) {
                return false;
            }
        });
        try (Git git = Git.open(home.toFile())) {
            assertThat(git.getRepository().resolve(Constants.HEAD).name()).isEqualTo(commit);
            assertThat(git.status().call().isClean()).isTrue();
            try (ObjectReader reader = git.getRepository().newObjectReader(); ObjectWalk walk = new ObjectWalk(reader)) {
                walk.markStart(walk.parseCommit(git.getRepository().resolve(commit)));
                int objects = 0;
                while (walk.next() != null) {
                    objects++;
                }
                RevObject o;
                while ((o = walk.nextObject()) != null) {
                    reader.open(o).getBytes();
                    objects++;
                }
                assertThat(objects).isPositive();
            }
        }
        assertThat(Files.list(home.resolve(".git")).filter(p -> p.toString().endsWith(".lock")).toList()).isEmpty();
    }
}
