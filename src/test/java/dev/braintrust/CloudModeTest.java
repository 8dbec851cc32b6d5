package dev.braintrust;

import dev.braintrust.context.ContextSnapshot;
import dev.braintrust.skills.Skill;
import dev.braintrust.skills.SkillResult;
import dev.braintrust.sync.SyncResult;
import dev.braintrust.sync.SyncService;
import dev.braintrust.sync.SyncStatus;
import dev.braintrust.testing.Poll;
import dev.braintrust.testing.RemoteFixture;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.dircache.DirCache;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** Cloud mode through the composition root: context, skills and workflows from the mirror; status; sync. */
class CloudModeTest {
    private static final Pattern REV = Pattern.compile("rev (\\d+)");

    @TempDir
    Path dir;
    RemoteFixture remote;
    Path home;
    BrainTrust bt;
    final Map<Integer, String> commitOfRev = new ConcurrentHashMap<>();

    @BeforeEach
    void setUp() {
        remote = RemoteFixture.create(dir, "main");
        home = dir.resolve("home");
        pushRev(0);
    }

    @AfterEach
    void tearDown() {
        if (bt != null) {
            bt.close();
        }
        remote.close();
    }

    /** A commit whose every file says which revision it belongs to. */
    String pushRev(int n) {
        String rev = "rev " + n;
        String id = remote.commit(rev,
                "context/MISSION.md", "Mission, " + rev, "context/GOALS.md", "Goals, " + rev,
                "context/BELIEFS.md", "Beliefs, " + rev, "context/IDENTITY.md", "Identity, " + rev,
                "context/NOTES_" + (n % 3) + ".md", "Notes, " + rev,
                "context/NOTES_" + ((n + 1) % 3) + ".md", null, "context/NOTES_" + ((n + 2) % 3) + ".md", null,
                "skills/version.sh", "#!/bin/sh\n# NAME: version\n# DESCRIPTION: prints " + rev + "\necho \"" + rev + "\"\n"
                        + "cat context/MISSION.md\n",
                "workflows/flow.json", "{\"name\":\"" + rev + "\",\"nodes\":[],\"edges\":[]}");
        if (n == 0) {
            remote.executable("skills/version.sh"); // later rewrites keep the bit
            id = remote.commitAll("exec " + rev);
        }
        commitOfRev.put(n, id);
        remote.push();
        return id;
    }

    BrainTrust open() {
        Map<String, String> env = new HashMap<>(Map.of("HOME", dir.toString(), "PAI_HOME", home.toString(),
                "BRAIN_TRUST_GIT_URL", remote.url(), "BRAIN_TRUST_SYNC_INTERVAL", "0", "WEBHOOK_SECRET", "s3cret"));
        return BrainTrust.open(Config.fromEnv(env));
    }

    static int revOf(String text) {
        Matcher m = REV.matcher(text);
        if (!m.find()) {
            throw new AssertionError("no revision marker in: " + text);
        }
        return Integer.parseInt(m.group(1));
    }

    @Test
    void status_names_the_repository_the_last_sync_and_what_happens_to_local_edits() throws Exception {
        bt = open();
        StatusReport before = bt.status();
        assertThat(before.mode()).isEqualTo("cloud");
        assertThat(before.revision()).isNull();
        assertThat(before.sync().ready()).isFalse();
        bt.watchForChanges(); // cloud mode: the first sync and the periodic ones
        SyncService sync = bt.sync().orElseThrow();
        Poll.until(Duration.ofSeconds(30), "the first sync", sync::ready);
        StatusReport s = bt.status();
        assertThat(s.sourceOfTruth()).isEqualTo("the git repository " + remote.url() + " (branch main)");
        assertThat(s.revision()).isEqualTo(commitOfRev.get(0));
        SyncStatus st = s.sync();
        assertThat(st.ready()).isTrue();
        assertThat(st.lastOutcome()).isEqualTo("updated");
        assertThat(st.lastRevision()).isEqualTo(commitOfRev.get(0));
        assertThat(st.lastSyncAt()).isNotNull();
        assertThat(st.lastError()).isNull();
        assertThat(st.note()).contains("local edits on the server are overwritten by the next sync");
        assertThat(st.webhookEnabled()).isTrue();
        assertThat(Json.mapper().writeValueAsString(s)).contains("\"lastOutcome\":\"updated\"");
        assertThat(s.contextFiles()).startsWith("MISSION.md", "GOALS.md", "BELIEFS.md", "IDENTITY.md");
        assertThat(s.skills()).containsExactly("version");
        assertThat(s.workflows()).containsExactly("flow");
    }

    @Test
    void readers_hammering_the_context_during_50_syncs_never_see_a_mix_of_two_commits() throws Exception {
        Files.createDirectories(home.resolve("logs"));
        Files.createDirectories(home.resolve("state"));
        Files.writeString(home.resolve("logs/2025-12-31.md"), "the user's journal");
        Files.writeString(home.resolve("state/brain-trust.db"), "the run database");
        bt = open();
        SyncService sync = bt.sync().orElseThrow();
        sync.syncNow("test");
        AtomicBoolean stop = new AtomicBoolean();
        List<String> problems = new CopyOnWriteArrayList<>();
        Set<Integer> seen = ConcurrentHashMap.newKeySet();
        AtomicInteger reads = new AtomicInteger();
        AtomicInteger skillRuns = new AtomicInteger();
        List<Thread> readers = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            readers.add(new Thread(() -> {
                while (!stop.get()) {
                    ContextSnapshot snap = bt.context().snapshot();
                    int n = revOf(snap.text("MISSION.md"));
                    if (snap.files().size() != 5) {
                        problems.add("snapshot " + snap.revision() + " has files " + snap.files());
                    }
                    for (String file : List.of("GOALS.md", "BELIEFS.md", "IDENTITY.md", "NOTES_" + (n % 3) + ".md")) {
                        if (revOf(snap.text(file)) != n) {
                            problems.add("snapshot " + snap.revision() + " mixes " + n + " and " + snap.text(file));
                        }
                    }
                    if (!snap.revision().equals(commitOfRev.get(n))) {
                        problems.add("revision " + snap.revision() + " with the files of rev " + n);
                    }
                    String prompt = bt.context().composePrompt("x");
                    if (prompt.contains("Mission, rev ") && REV.matcher(prompt).results().map(r -> r.group(1)).distinct().count() != 1) {
                        problems.add("a prompt with two revisions: " + prompt);
                    }
                    seen.add(n);
                    reads.incrementAndGet();
                }
            }, "context-reader-" + t));
        }
        readers.add(new Thread(() -> {
            int i = 0;
            while (!stop.get()) {
                try {
                    Skill skill = bt.skills().find("version");
                    int n = revOf(skill.description());
                    Path checkout = skill.script().getParent().getParent();
                    int mission = revOf(Files.readString(checkout.resolve("context/MISSION.md")));
                    int flow = revOf(Files.readString(checkout.resolve("workflows/flow.json")));
                    if (mission != n || flow != n) {
                        problems.add("checkout " + checkout + " mixes skill rev " + n + ", mission " + mission + ", flow " + flow);
                    }
                    if (i++ % 10 == 0) {
                        SkillResult r = bt.skillRunner().run(skill, Map.of());
                        List<Integer> revs = REV.matcher(r.output()).results().map(m -> Integer.parseInt(m.group(1))).toList();
                        if (!r.ok() || revs.size() != 2 || !revs.get(0).equals(revs.get(1))) {
                            problems.add("skill run mixed revisions: " + r.output() + r.stderrTail());
                        }
                        skillRuns.incrementAndGet();
                    }
                } catch (Exception e) {
                    problems.add("skill reader: " + e);
                }
            }
        }, "skill-reader"));
        readers.forEach(Thread::start);
        for (int n = 1; n <= 50; n++) {
            String id = pushRev(n);
            SyncResult r = sync.syncNow("test");
            assertThat(r.revision()).isEqualTo(id);
        }
        stop.set(true);
        for (Thread reader : readers) {
            reader.join(60_000);
        }
        assertThat(problems).isEmpty();
        assertThat(seen.size()).as("the readers saw many revisions (%s reads, %s skill runs)", reads.get(), skillRuns.get())
                .isGreaterThan(5);
        assertThat(skillRuns.get()).isPositive();
        assertThat(Files.readString(home.resolve("logs/2025-12-31.md"))).isEqualTo("the user's journal");
        assertThat(Files.readString(home.resolve("state/brain-trust.db"))).isEqualTo("the run database");
        try (Git git = Git.open(home.toFile())) {
            DirCache index = git.getRepository().readDirCache();
            for (int i = 0; i < index.getEntryCount(); i++) {
                assertThat(index.getEntry(i).getPathString()).doesNotStartWith("logs/").doesNotStartWith("state/");
            }
            assertThat(git.status().call().isClean()).isTrue();
        }
        assertThat(bt.context().snapshot().revision()).isEqualTo(commitOfRev.get(50));
    }

    @Test
    void local_mode_is_unchanged_and_has_no_sync() {
        Map<String, String> env = Map.of("HOME", dir.toString(), "PAI_HOME", dir.resolve("local").toString());
        new dev.braintrust.home.PaiHome(dir.resolve("local")).init();
        try (BrainTrust local = BrainTrust.open(Config.fromEnv(env))) {
            assertThat(local.sync()).isEmpty();
            StatusReport s = local.status();
            assertThat(s.mode()).isEqualTo("local");
            assertThat(s.sync()).isNull();
            assertThat(s.revision()).hasSize(40); // the id of the home's version in its history (a git tree)
        }
    }
}
