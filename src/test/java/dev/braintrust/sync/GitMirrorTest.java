package dev.braintrust.sync;

import dev.braintrust.BrainTrustException;
import dev.braintrust.Config;
import dev.braintrust.context.ContextSnapshot;
import dev.braintrust.context.ContextSource;
import dev.braintrust.testing.RemoteFixture;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GitMirrorTest {
    @TempDir
    Path dir;
    RemoteFixture remote;
    Path home;

    @BeforeEach
    void setUp() {
        remote = RemoteFixture.create(dir, "main");
        home = dir.resolve("home");
        remote.commit("first", "context/MISSION.md", "mission v1", "context/GOALS.md", "goals v1",
                "context/BELIEFS.md", "beliefs v1", "skills/echo.sh", "#!/bin/sh\n# NAME: echo\necho v1\n",
                "workflows/w.json", "{\"nodes\":[],\"edges\":[]}", "README.md", "hello");
        remote.executable("skills/echo.sh");
        remote.commitAll("make echo executable");
        remote.push();
    }

    @AfterEach
    void tearDown() {
        remote.close();
    }

    GitRemote gitRemote(String url) {
        return GitRemote.of(Config.fromEnv(Map.of("HOME", dir.toString(), "PAI_HOME", home.toString(),
                "BRAIN_TRUST_GIT_URL", url)));
    }

    GitMirror open() {
        return GitMirror.open(home, gitRemote(remote.url()));
    }

    @Test
    void keeps_replaced_checkouts_while_a_skill_may_still_run_from_them_then_prunes_them() throws Exception {
        try (GitMirror keeping = GitMirror.open(home, gitRemote(remote.url()), java.time.Duration.ofHours(1))) {
            keeping.sync("test");
            Path first = keeping.skillsFolder().getParent();
            for (int i = 2; i <= 4; i++) {
                remote.commitAndPush("v" + i, "context/MISSION.md", "mission v" + i);
                keeping.sync("test");
            }
            assertThat(first.resolve("skills/echo.sh")).as("a skill started from the first commit keeps its files").exists();
        }
        try (GitMirror pruning = GitMirror.open(home, gitRemote(remote.url()), java.time.Duration.ZERO)) {
            pruning.sync("test");
            for (int i = 5; i <= 7; i++) {
                remote.commitAndPush("v" + i, "context/MISSION.md", "mission v" + i);
                pruning.sync("test");
            }
            try (var checkouts = Files.list(pruning.skillsFolder().getParent().getParent())) {
                assertThat(checkouts.filter(p -> !p.getFileName().toString().startsWith(".")).count())
                        .as("the current and the previous checkout only").isEqualTo(2);
            }
        }
    }

    @Test
    void packs_what_fetches_left_into_one_pack_while_context_reads_go_on() throws Exception {
        // over smart HTTP, so that every fetch goes through the transport and keeps its pack
        try (dev.braintrust.testing.GitHttpServerFixture server = new dev.braintrust.testing.GitHttpServerFixture(dir, "x-access-token", "t0ken");
             GitMirror mirror = GitMirror.open(home, GitRemote.of(Config.fromEnv(Map.of("HOME", dir.toString(),
                     "PAI_HOME", home.toString(), "BRAIN_TRUST_GIT_URL", server.url("remote.git"), "BRAIN_TRUST_GIT_TOKEN", "t0ken"))))) {
            mirror.sync("test");
            int last = GitMirror.MAX_PACKS + 3;
            for (int i = 2; i <= last; i++) {
                remote.commitAndPush("v" + i, "context/MISSION.md", "mission v" + i);
                mirror.sync("test");
            }
            assertThat(mirror.packFileCount()).as("one pack per fetch").isGreaterThan(GitMirror.MAX_PACKS);

            ContextSource context = mirror.contextSource(Clock.systemUTC());
            AtomicBoolean packing = new AtomicBoolean(true);
            AtomicInteger reads = new AtomicInteger();
            CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> {
                while (packing.get() || reads.get() == 0) {
                    assertThat(context.load().text("MISSION.md")).isEqualTo("mission v" + last);
                    reads.incrementAndGet();
                }
            });
            mirror.maintain();
            packing.set(false);
            reader.get(30, TimeUnit.SECONDS); // a read that failed while packs were deleted fails here

            assertThat(mirror.packFileCount()).as("the replaced packs are deleted at once").isLessThanOrEqualTo(2);
            assertThat(context.load().text("MISSION.md")).isEqualTo("mission v" + last);
            remote.commitAndPush("after", "context/MISSION.md", "mission after packing");
            mirror.sync("test");
            assertThat(context.load().text("MISSION.md")).isEqualTo("mission after packing");
            mirror.maintain();
            assertThat(mirror.packFileCount()).as("below the limit, nothing to do").isLessThanOrEqualTo(3);
        }
    }

    @Test
    void reads_small_pushes_from_a_remote_on_this_machine_directly_and_packs_their_loose_objects_when_they_pile_up() throws Exception {
        try (GitMirror mirror = open()) {
            mirror.sync("test");
            long packs = mirror.packFileCount();
            int n = 0;
            while (mirror.looseObjectEstimate() <= GitMirror.MAX_LOOSE_OBJECTS && n < 100) {
                n++;
                Map<String, String> files = new java.util.LinkedHashMap<>();
                for (int f = 0; f < 90; f++) {
                    files.put("data/f" + f + ".txt", "push " + n + ", file " + f); // 90 new blobs, a tree that does not grow
                }
                files.put("context/MISSION.md", "mission " + n);
                remote.commit("push " + n, files);
                remote.push();
                assertThat(mirror.sync("test").revision()).isEqualTo(remote.head());
            }
            assertThat(mirror.looseObjectEstimate()).as("loose objects after " + n + " pushes").isGreaterThan(GitMirror.MAX_LOOSE_OBJECTS);
            assertThat(mirror.packFileCount()).as("a push of fewer than 100 objects leaves no pack").isEqualTo(packs);

            ContextSource context = mirror.contextSource(Clock.systemUTC());
            mirror.maintain();
            assertThat(mirror.looseObjectEstimate()).as("packed").isLessThan(GitMirror.MAX_LOOSE_OBJECTS / 10);
            assertThat(context.load().text("MISSION.md")).isEqualTo("mission " + n);
            assertThat(Files.readString(mirror.skillsFolder().getParent().resolve("data/f7.txt"))).isEqualTo("push " + n + ", file 7");
            try (org.eclipse.jgit.revwalk.RevWalk walk = new org.eclipse.jgit.revwalk.RevWalk(Git.open(home.toFile()).getRepository())) {
                int commits = 0;
                walk.markStart(walk.parseCommit(org.eclipse.jgit.lib.ObjectId.fromString(remote.head())));
                while (walk.next() != null) {
                    commits++;
                }
                assertThat(commits).as("the whole history is in the pack").isEqualTo(n + 2);
            }

            Map<String, String> many = new java.util.LinkedHashMap<>();
            for (int f = 0; f < 150; f++) {
                many.put("data/big/f" + f + ".txt", "big push, file " + f);
            }
            remote.commit("a push of more than 100 objects", many);
            remote.push();
            long before = mirror.packFileCount();
            assertThat(mirror.sync("test").changedCount()).isEqualTo(150);
            assertThat(mirror.packFileCount()).as("a push of more objects goes through the transport, as one pack").isEqualTo(before + 1);
            assertThat(Files.readString(mirror.skillsFolder().getParent().resolve("data/big/f149.txt"))).isEqualTo("big push, file 149");
        }
    }

    @Test
    void clones_into_an_absent_home_and_serves_the_commit() throws Exception {
        try (GitMirror mirror = open()) {
            assertThat(mirror.hasSnapshot()).isFalse();
            SyncResult r = mirror.sync("test");
            assertThat(r.outcome()).isEqualTo(SyncResult.Outcome.UPDATED);
            assertThat(r.previous()).isNull();
            assertThat(r.revision()).isEqualTo(remote.head());
            assertThat(r.changed()).contains("context/MISSION.md", "skills/echo.sh", "README.md");
            assertThat(mirror.revision()).isEqualTo(remote.head());
            assertThat(Files.readString(home.resolve("context/MISSION.md"))).isEqualTo("mission v1");
            assertThat(Files.isDirectory(home.resolve("logs"))).isTrue();
            assertThat(Files.isDirectory(home.resolve("state"))).isTrue();
            assertThat(Files.isExecutable(mirror.skillsFolder().resolve("echo.sh"))).isTrue();
            assertThat(mirror.workflowsFolder().resolve("w.json")).exists();
            ContextSnapshot snapshot = mirror.contextSource(Clock.systemUTC()).load();
            assertThat(snapshot.revision()).isEqualTo(remote.head());
            assertThat(snapshot.text("MISSION.md")).isEqualTo("mission v1");
            try (Git git = Git.open(home.toFile())) {
                Status status = git.status().call();
                assertThat(status.isClean()).as("untracked: %s", status.getUntracked()).isTrue();
                assertThat(git.getRepository().getBranch()).isEqualTo("main");
            }
        }
    }

    @Test
    void follows_a_fast_forward_and_lists_the_changed_paths() throws Exception {
        try (GitMirror mirror = open()) {
            String first = mirror.sync("test").revision();
            String second = remote.commitAndPush("goals", "context/GOALS.md", "goals v2", "context/RESEARCH.md", "new");
            SyncResult r = mirror.sync("test");
            assertThat(r.outcome()).isEqualTo(SyncResult.Outcome.UPDATED);
            assertThat(r.previous()).isEqualTo(first);
            assertThat(r.revision()).isEqualTo(second);
            assertThat(r.changed()).containsExactlyInAnyOrder("context/GOALS.md", "context/RESEARCH.md");
            assertThat(mirror.contextSource(Clock.systemUTC()).load().text("GOALS.md")).isEqualTo("goals v2");
            assertThat(Files.readString(home.resolve("context/RESEARCH.md"))).isEqualTo("new");
        }
    }

    @Test
    void a_sync_with_nothing_new_is_unchanged() {
        try (GitMirror mirror = open()) {
            mirror.sync("test");
            SyncResult again = mirror.sync("test");
            assertThat(again.outcome()).isEqualTo(SyncResult.Outcome.UNCHANGED);
            assertThat(again.revision()).isEqualTo(again.previous()).isEqualTo(remote.head());
            assertThat(again.changed()).isEmpty();
        }
    }

    @Test
    void follows_a_force_push_that_rewrote_history() throws Exception {
        String base = remote.head();
        remote.commitAndPush("will be dropped", "context/MISSION.md", "doomed", "context/DOOMED.md", "x");
        try (GitMirror mirror = open()) {
            mirror.sync("test");
            assertThat(home.resolve("context/DOOMED.md")).exists();
            remote.resetTo(base);
            String rewritten = remote.commit("rewritten", "context/MISSION.md", "rewritten mission");
            remote.push(true);
            SyncResult r = mirror.sync("test");
            assertThat(r.revision()).isEqualTo(rewritten);
            assertThat(home.resolve("context/DOOMED.md")).doesNotExist();
            assertThat(Files.readString(home.resolve("context/MISSION.md"))).isEqualTo("rewritten mission");
            assertThat(mirror.contextSource(Clock.systemUTC()).load().file("DOOMED.md")).isEmpty();
            try (Git git = Git.open(home.toFile())) {
                assertThat(git.getRepository().resolve("HEAD").name()).isEqualTo(rewritten);
                assertThat(git.status().call().isClean()).isTrue();
            }
        }
    }

    @Test
    void overwrites_local_edits_on_the_server_with_the_next_sync_after_moving_them_aside() throws Exception {
        try (GitMirror mirror = open()) {
            mirror.sync("test");
            Files.writeString(home.resolve("context/MISSION.md"), "edited on the server");
            Files.delete(home.resolve("context/GOALS.md"));
            Files.writeString(home.resolve("context/NEW.md"), "an untracked file that the next commit adds too");
            remote.commitAndPush("next", "context/BELIEFS.md", "beliefs v2", "context/NEW.md", "from the repository");
            SyncResult r = mirror.sync("test");
            assertThat(Files.readString(home.resolve("context/MISSION.md"))).isEqualTo("mission v1");
            assertThat(Files.readString(home.resolve("context/GOALS.md"))).isEqualTo("goals v1");
            assertThat(Files.readString(home.resolve("context/NEW.md"))).isEqualTo("from the repository");
            try (Git git = Git.open(home.toFile())) {
                assertThat(git.status().call().isClean()).isTrue();
            }
            assertThat(r.keptAside().paths()).containsExactlyInAnyOrder("context/MISSION.md", "context/NEW.md");
            Path aside = home.resolve(r.keptAside().folder());
            assertThat(aside.resolve("context/MISSION.md")).hasContent("edited on the server");
            assertThat(aside.resolve("context/NEW.md")).hasContent("an untracked file that the next commit adds too");
        }
    }

    @Test
    void never_touches_logs_and_state_even_when_the_repository_has_such_folders() throws Exception {
        Files.createDirectories(home.resolve("logs"));
        Files.createDirectories(home.resolve("state"));
        Files.writeString(home.resolve("logs/2026-01-01.md"), "my journal");
        Files.writeString(home.resolve("state/brain-trust.db"), "my runs");
        try (GitMirror mirror = open()) {
            mirror.sync("test");
            remote.commitAndPush("a repository that carries logs and state",
                    "logs/2026-01-01.md", "overwritten journal", "state/brain-trust.db", "overwritten db",
                    "context/MISSION.md", "mission v2");
            SyncResult r = mirror.sync("test");
            assertThat(r.outcome()).isEqualTo(SyncResult.Outcome.UPDATED);
            assertThat(Files.readString(home.resolve("logs/2026-01-01.md"))).isEqualTo("my journal");
            assertThat(Files.readString(home.resolve("state/brain-trust.db"))).isEqualTo("my runs");
            assertThat(Files.readString(home.resolve("context/MISSION.md"))).isEqualTo("mission v2");
            remote.commitAndPush("and removes them again", "logs/2026-01-01.md", null, "state/brain-trust.db", null);
            mirror.sync("test");
            assertThat(Files.readString(home.resolve("logs/2026-01-01.md"))).isEqualTo("my journal");
            assertThat(Files.readString(home.resolve("state/brain-trust.db"))).isEqualTo("my runs");
        }
    }

    @Test
    void clones_into_a_home_that_holds_only_logs_and_state() throws Exception {
        Files.createDirectories(home.resolve("logs"));
        Files.writeString(home.resolve("logs/2026-01-01.md"), "kept");
        try (GitMirror mirror = open()) {
            mirror.sync("test");
            assertThat(mirror.revision()).isEqualTo(remote.head());
            assertThat(Files.readString(home.resolve("logs/2026-01-01.md"))).isEqualTo("kept");
        }
    }

    @Test
    void refuses_a_home_that_holds_other_files_and_says_how_to_fix_it() throws Exception {
        Files.createDirectories(home.resolve("context"));
        Files.writeString(home.resolve("context/MISSION.md"), "my local mission");
        assertThatThrownBy(this::open)
                .isInstanceOf(BrainTrustException.BadConfig.class)
                .hasMessageContaining("not a clone of " + remote.url())
                .hasMessageContaining("brain-trust publish")
                .hasMessageContaining("empty folder");
        assertThat(Files.readString(home.resolve("context/MISSION.md"))).isEqualTo("my local mission");
        assertThat(home.resolve(".git")).doesNotExist();
    }

    @Test
    void refuses_a_clone_of_another_repository() throws Exception {
        try (GitMirror mirror = open()) {
            mirror.sync("test");
        }
        RemoteFixture other = RemoteFixture.create(dir.resolve("other"), "main");
        other.close();
        assertThatThrownBy(() -> GitMirror.open(home, gitRemote(other.url())))
                .isInstanceOf(BrainTrustException.BadConfig.class)
                .hasMessageContaining("is a clone of " + remote.url())
                .hasMessageContaining("BRAIN_TRUST_GIT_URL=" + remote.url());
    }

    @Test
    void a_clone_of_the_same_url_written_differently_is_accepted() {
        try (GitMirror mirror = open()) {
            mirror.sync("test");
        }
        try (GitMirror again = GitMirror.open(home, gitRemote(remote.url() + "/"))) {
            assertThat(again.revision()).isEqualTo(remote.head());
        }
    }

    @Test
    void serves_the_last_synced_commit_after_a_restart_before_any_network() throws Exception {
        String head;
        try (GitMirror mirror = open()) {
            head = mirror.sync("test").revision();
        }
        Path moved = dir.resolve("remote-moved.git");
        Files.move(remote.bare, moved); // the remote is gone
        try (GitMirror restarted = open()) {
            assertThat(restarted.revision()).isEqualTo(head);
            assertThat(restarted.contextSource(Clock.systemUTC()).load().text("MISSION.md")).isEqualTo("mission v1");
            assertThatThrownBy(() -> restarted.sync("test"))
                    .isInstanceOf(BrainTrustException.Unavailable.class)
                    .hasMessageContaining("no repository at " + remote.url());
            assertThat(restarted.revision()).isEqualTo(head);
            Files.move(moved, remote.bare); // back
            String next = remote.commitAndPush("after the outage", "context/GOALS.md", "goals v3");
            assertThat(restarted.sync("test").revision()).isEqualTo(next);
        }
    }

    @Test
    void a_deleted_branch_keeps_the_last_snapshot_and_names_the_branch() {
        try (GitMirror mirror = open()) {
            String head = mirror.sync("test").revision();
            remote.deleteRemoteBranch();
            assertThatThrownBy(() -> mirror.sync("test"))
                    .isInstanceOf(BrainTrustException.Unavailable.class)
                    .hasMessageContaining("the branch 'main' does not exist")
                    .hasMessageContaining("BRAIN_TRUST_GIT_BRANCH");
            assertThat(mirror.revision()).isEqualTo(head);
            assertThat(mirror.contextSource(Clock.systemUTC()).load().revision()).isEqualTo(head);
            remote.push();
            assertThat(mirror.sync("test").outcome()).isEqualTo(SyncResult.Outcome.UNCHANGED);
        }
    }

    @Test
    void a_credential_in_the_url_is_kept_out_of_the_git_config() throws Exception {
        GitRemote withToken = GitRemote.of(Config.fromEnv(Map.of("HOME", dir.toString(),
                "BRAIN_TRUST_GIT_URL", "https://someone:s3cr3t-t0ken@git.example.org/me/home.git")));
        assertThat(withToken.url()).isEqualTo("https://git.example.org/me/home.git");
        assertThat(withToken.token().reveal()).isEqualTo("s3cr3t-t0ken");
        assertThat(withToken.username()).isEqualTo("someone");
        assertThat(withToken.toString()).doesNotContain("s3cr3t");
        GitRemote tokenOnly = GitRemote.of(Config.fromEnv(Map.of("HOME", dir.toString(),
                "BRAIN_TRUST_GIT_URL", "https://ghp_abc123@github.com/me/home.git")));
        assertThat(tokenOnly.url()).isEqualTo("https://github.com/me/home.git");
        assertThat(tokenOnly.token().reveal()).isEqualTo("ghp_abc123");
        GitRemote ssh = GitRemote.of(Config.fromEnv(Map.of("HOME", dir.toString(),
                "BRAIN_TRUST_GIT_URL", "git@github.com:me/home.git")));
        assertThat(ssh.url()).isEqualTo("git@github.com:me/home.git");
        assertThat(ssh.isSsh()).isTrue();
    }

    @Test
    void a_skill_checkout_stays_whole_while_the_next_commit_arrives() throws Exception {
        try (GitMirror mirror = GitMirror.open(home, gitRemote(remote.url()), java.time.Duration.ZERO)) {
            mirror.sync("test");
            Path before = mirror.skillsFolder();
            remote.commitAndPush("v2", "skills/echo.sh", "#!/bin/sh\n# NAME: echo\necho v2\n");
            mirror.sync("test");
            Path after = mirror.skillsFolder();
            assertThat(after).isNotEqualTo(before);
            assertThat(Files.readString(before.resolve("echo.sh"), StandardCharsets.UTF_8)).contains("echo v1");
            assertThat(Files.readString(after.resolve("echo.sh"), StandardCharsets.UTF_8)).contains("echo v2");
            assertThat(Files.isExecutable(after.resolve("echo.sh"))).isTrue();
            remote.commitAndPush("v3", "skills/echo.sh", "#!/bin/sh\n# NAME: echo\necho v3\n");
            mirror.sync("test");
            assertThat(before).as("with no retired lifetime, checkouts older than the previous one are removed").doesNotExist();
            assertThat(after).as("the previous checkout is kept for skills still running").exists();
        }
    }

    /** A commit of {@code path} written straight into the remote's objects: loose, as git's receive-pack keeps a small push. */
    private String looseCommit(String path, String content) throws Exception {
        try (org.eclipse.jgit.lib.Repository bare = new org.eclipse.jgit.storage.file.FileRepositoryBuilder()
                .setGitDir(remote.bare.toFile()).build();
             org.eclipse.jgit.lib.ObjectInserter inserter = bare.newObjectInserter();
             org.eclipse.jgit.revwalk.RevWalk walk = new org.eclipse.jgit.revwalk.RevWalk(bare)) {
            org.eclipse.jgit.revwalk.RevCommit parent = walk.parseCommit(bare.resolve("refs/heads/main"));
            org.eclipse.jgit.dircache.DirCache index = org.eclipse.jgit.dircache.DirCache.newInCore();
            org.eclipse.jgit.dircache.DirCacheBuilder builder = index.builder();
            builder.addTree(new byte[0], 0, walk.getObjectReader(), parent.getTree());
            builder.finish();
            org.eclipse.jgit.dircache.DirCacheEditor editor = index.editor();
            org.eclipse.jgit.lib.ObjectId blob = inserter.insert(org.eclipse.jgit.lib.Constants.OBJ_BLOB,
                    content.getBytes(StandardCharsets.UTF_8));
            editor.add(new org.eclipse.jgit.dircache.DirCacheEditor.PathEdit(path) {
                @Override
                public void apply(org.eclipse.jgit.dircache.DirCacheEntry entry) {
                    entry.setFileMode(org.eclipse.jgit.lib.FileMode.REGULAR_FILE);
                    entry.setObjectId(blob);
                }
            });
            editor.finish();
            org.eclipse.jgit.lib.CommitBuilder commit = new org.eclipse.jgit.lib.CommitBuilder();
            commit.setTreeId(index.writeTree(inserter));
            commit.setParentId(parent);
            org.eclipse.jgit.lib.PersonIdent who = new org.eclipse.jgit.lib.PersonIdent("t", "t@example.com");
            commit.setAuthor(who);
            commit.setCommitter(who);
            commit.setMessage("loose\n");
            org.eclipse.jgit.lib.ObjectId id = inserter.insert(commit);
            inserter.flush();
            org.eclipse.jgit.lib.RefUpdate update = bare.updateRef("refs/heads/main");
            update.setNewObjectId(id);
            update.forceUpdate();
            return id.name();
        }
    }

    private static Path looseFile(Path gitDir, String id) {
        return gitDir.resolve("objects").resolve(id.substring(0, 2)).resolve(id.substring(2));
    }

    @Test
    void takes_a_local_remote_s_loose_objects_as_links_to_its_files_each_checked_against_its_id() throws Exception {
        try (GitMirror mirror = open()) {
            mirror.sync("test");
            String next = looseCommit("context/MISSION.md", "mission, loose");
            assertThat(looseFile(remote.bare, next)).as("the remote keeps the push as loose objects").isRegularFile();
            mirror.sync("test");
            assertThat(mirror.contextSource(Clock.systemUTC()).load().text("MISSION.md")).isEqualTo("mission, loose");
            assertThat(Files.isSameFile(looseFile(home.resolve(".git"), next), looseFile(remote.bare, next)))
                    .as("the commit's file is the remote's, linked, not written again").isTrue();

            // a loose "file" that is a symbolic link (to a file holding that very object) is copied, not linked
            String viaLink = looseCommit("context/MISSION.md", "mission, through a symbolic link");
            Path linkFile = looseFile(remote.bare, viaLink);
            Path elsewhere = dir.resolve("elsewhere");
            Files.move(linkFile, elsewhere);
            Files.createSymbolicLink(linkFile, elsewhere);
            mirror.sync("test");
            assertThat(mirror.contextSource(Clock.systemUTC()).load().text("MISSION.md")).isEqualTo("mission, through a symbolic link");
            Path copied = looseFile(home.resolve(".git"), viaLink);
            assertThat(Files.isSymbolicLink(copied) || Files.isSameFile(copied, elsewhere)).as("linked through the symbolic link").isFalse();
            next = viaLink;

            // a loose file that does not hold the object its name says (a disk error, a tampered remote) is never linked
            String bad = looseCommit("context/MISSION.md", "mission, tampered");
            Path file = looseFile(remote.bare, bad);
            Path other = looseFile(remote.bare, next);
            Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            Files.copy(other, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING); // another commit's content
            try {
                mirror.sync("test");
            } catch (BrainTrustException e) {
                // the copy and the fetch refuse it too
            }
            Path mirrored = looseFile(home.resolve(".git"), bad);
            assertThat(Files.exists(mirrored) && Files.isSameFile(mirrored, file)).as("the tampered file, linked").isFalse();
            assertThat(mirror.revision()).as("still serving the good commit").isEqualTo(next);
        }
    }

    @Test
    void a_sync_answered_before_it_settles_writes_the_checkout_after_and_a_reader_before_then_finds_it_whole() throws Exception {
        try (GitMirror mirror = open()) {
            mirror.sync("test");
            Path first = mirror.skillsFolder().getParent();
            Path checkouts = first.getParent();
            String second = remote.commitAndPush("v2", "skills/echo.sh", "#!/bin/sh\n# NAME: echo\necho v2\n");
            mirror.sync("webhook", false);
            assertThat(mirror.revision()).as("served before the checkout is written").isEqualTo(second);
            assertThat(checkouts.resolve(second)).as("not written before the answer").doesNotExist();
            assertThat(mirror.skillsFolder().resolve("echo.sh")).as("a reader before the settle writes it")
                    .hasContent("#!/bin/sh\n# NAME: echo\necho v2\n");
            assertThat(Files.getAttribute(checkouts.resolve(second).resolve("README.md"), "unix:ino"))
                    .as("written by the reader, unchanged files linked to the previous checkout as the settle links them")
                    .isEqualTo(Files.getAttribute(first.resolve("README.md"), "unix:ino"));
            mirror.settle(new SyncSteps.Timer());
            assertThat(checkouts.resolve(second).resolve("skills/echo.sh")).hasContent("#!/bin/sh\n# NAME: echo\necho v2\n");

            String third = remote.commitAndPush("v3", "context/MISSION.md", "mission v3");
            mirror.sync("webhook", false);
            assertThat(checkouts.resolve(third)).doesNotExist();
            mirror.settle(new SyncSteps.Timer());
            Path written = checkouts.resolve(third);
            assertThat(written.resolve("skills/echo.sh")).hasContent("#!/bin/sh\n# NAME: echo\necho v2\n");
            assertThat(Files.getAttribute(written.resolve("README.md"), "unix:ino"))
                    .as("written by the settle, unchanged files still linked to the previous checkout")
                    .isEqualTo(Files.getAttribute(checkouts.resolve(second).resolve("README.md"), "unix:ino"));
            try (Git git = Git.open(home.toFile())) {
                assertThat(git.getRepository().resolve("HEAD").name()).isEqualTo(third);
            }
        }
    }

    @Test
    void a_skill_runs_in_a_checkout_of_the_whole_commit_but_logs_and_state() throws Exception {
        remote.commit("notes, nested folders, and folders that belong to the server",
                "notes/todo.md", "call the bank", "notes/2026/january.md", "resolutions", "README.md", "hello v2",
                "logs/2026-01-01.md", "a journal in the repository", "state/brain-trust.db", "a database in the repository",
                "skills/notes.sh", "#!/bin/sh\n# NAME: notes\ncat notes/todo.md notes/2026/january.md README.md\n"
                        + "test -e logs || echo no-logs; test -e state || echo no-state\n");
        remote.executable("skills/notes.sh");
        remote.commitAll("make notes executable");
        remote.push();
        try (GitMirror mirror = open()) {
            mirror.sync("test");
            Path checkout = mirror.skillsFolder().getParent();
            assertThat(checkout.resolve("notes/2026/january.md")).hasContent("resolutions");
            assertThat(checkout.resolve("README.md")).hasContent("hello v2");
            assertThat(checkout.resolve("logs")).doesNotExist();
            assertThat(checkout.resolve("state")).doesNotExist();
            dev.braintrust.skills.SkillRegistry registry = new dev.braintrust.skills.SkillRegistry(mirror::skillsFolder,
                    java.time.Duration.ofMinutes(1));
            try (dev.braintrust.skills.SkillRunner runner = new dev.braintrust.skills.SkillRunner(java.time.Duration.ofSeconds(10), 65536)) {
                dev.braintrust.skills.SkillResult result = runner.run(registry.find("notes"), Map.of());
                assertThat(result.output()).as(result.stderrTail()).isEqualTo("call the bankresolutionshello v2no-logs\nno-state\n");
            }
            remote.commitAndPush("one note changes", "notes/todo.md", "call the bank again");
            mirror.sync("test");
            Path next = mirror.skillsFolder().getParent();
            assertThat(next.resolve("notes/todo.md")).hasContent("call the bank again");
            assertThat(checkout.resolve("notes/todo.md")).as("the previous checkout is untouched").hasContent("call the bank");
            assertThat(Files.getAttribute(next.resolve("notes/2026/january.md"), "unix:ino"))
                    .as("an unchanged file is shared with the previous checkout, not written again")
                    .isEqualTo(Files.getAttribute(checkout.resolve("notes/2026/january.md"), "unix:ino"));
            assertThat(Files.getAttribute(next.resolve("notes/todo.md"), "unix:ino"))
                    .isNotEqualTo(Files.getAttribute(checkout.resolve("notes/todo.md"), "unix:ino"));
        }
    }
}
