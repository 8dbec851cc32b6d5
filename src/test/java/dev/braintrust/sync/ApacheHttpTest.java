package dev.braintrust.sync;

import dev.braintrust.BrainTrustException;
import dev.braintrust.Config;
import dev.braintrust.home.PaiHome;
import dev.braintrust.testing.ApacheGitServer;
import dev.braintrust.testing.RemoteFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Cloud mode over smart HTTP against Apache's git-http-backend with basic auth (git's own server, not
 * one written here): the token goes with the first request, so no request of a sync is answered 401
 * and sent again; and it never goes to another host.
 */
class ApacheHttpTest {
    static final String USER = "x-access-token";
    static final String TOKEN = "tok-apache-5d1c0e77a9";
    static ApacheGitServer apache;

    @TempDir
    Path dir;

    @BeforeAll
    static void startApache() throws Exception {
        apache = ApacheGitServer.start(USER, TOKEN, "Redirect /git/moved.git http://localhost:%PORT%/git/redirected.git");
    }

    @AfterAll
    static void stopApache() throws Exception {
        if (apache != null) {
            apache.close();
        }
    }

    GitRemote remote(Path home, String url, String token) {
        Map<String, String> env = new HashMap<>(Map.of("HOME", dir.toString(), "PAI_HOME", home.toString(),
                "BRAIN_TRUST_GIT_URL", url));
        if (token != null) {
            env.put("BRAIN_TRUST_GIT_TOKEN", token);
        }
        return GitRemote.of(Config.fromEnv(env));
    }

    /** The requests Apache served for one repository since {@code from}. */
    static List<String> requestsSince(int from, String repo) throws Exception {
        List<String> all = apache.settledRequests();
        return all.subList(from, all.size()).stream().filter(line -> line.contains("/git/" + repo)).toList();
    }

    /**
     * Protocol v2 (JGit's default, as git's): the capability advertisement (GET), the branch (ls-refs,
     * POST) and, when the head is new, the pack (fetch, POST). JGit alone would send each sync's first
     * request without the token and repeat it after the 401.
     */
    @Test
    void sends_the_token_with_the_first_request_so_no_sync_is_answered_401() throws Exception {
        Path served = apache.repos().resolve("preemptive");
        try (RemoteFixture author = RemoteFixture.create(served, "main")) {
            author.commitAndPush("first", "context/MISSION.md", "m1", "context/GOALS.md", "g1", "context/BELIEFS.md", "b1");
            String url = apache.url("preemptive/remote.git");
            try (GitMirror mirror = GitMirror.open(dir.resolve("home"), remote(dir.resolve("home"), url, TOKEN))) {
                int before = apache.settledRequests().size();
                assertThat(mirror.sync("test").revision()).isEqualTo(author.head());
                List<String> clone = requestsSince(before, "preemptive");
                assertThat(clone).as(clone.toString()).hasSize(3).allMatch(line -> line.contains(" 200 user=" + USER));
                assertThat(clone.get(0)).startsWith("GET /git/preemptive/remote.git/info/refs?service=git-upload-pack");
                assertThat(clone.subList(1, 3)).allMatch(line -> line.startsWith("POST /git/preemptive/remote.git/git-upload-pack"));

                String next = author.commitAndPush("goals", "context/GOALS.md", "g2");
                before = apache.settledRequests().size();
                SyncResult synced = mirror.sync("test");
                assertThat(synced.revision()).isEqualTo(next);
                assertThat(synced.changed()).containsExactly("context/GOALS.md");
                assertThat(requestsSince(before, "preemptive")).hasSize(3).allMatch(line -> line.contains(" 200 user=" + USER));

                before = apache.settledRequests().size();
                assertThat(mirror.sync("test").outcome()).isEqualTo(SyncResult.Outcome.UNCHANGED);
                assertThat(requestsSince(before, "preemptive")).hasSize(2).allMatch(line -> line.contains(" 200 user=" + USER));
            }
        }
    }

    @Test
    void publishes_over_http_and_the_mirror_follows_the_pushes() throws Exception {
        String url = apache.createRepository("published.git");
        Path local = dir.resolve("local");
        new PaiHome(local).init();
        String first = GitMirror.publish(local, remote(local, url, TOKEN));
        Path home = dir.resolve("home");
        try (GitMirror mirror = GitMirror.open(home, remote(home, url, TOKEN))) {
            assertThat(mirror.sync("test").revision()).isEqualTo(first);
            assertThat(Files.isExecutable(mirror.skillsFolder().resolve("word_count.sh"))).isTrue();
            Files.writeString(local.resolve("context/GOALS.md"), "goals pushed to Apache");
            String second = GitMirror.publish(local, remote(local, url, TOKEN));
            assertThat(mirror.sync("test").revision()).isEqualTo(second);
            assertThat(mirror.contextSource(java.time.Clock.systemUTC()).load().text("GOALS.md")).isEqualTo("goals pushed to Apache");
        }
        assertThat(RemoteAccessTest.filesContaining(home, TOKEN)).isEmpty();
        assertThat(RemoteAccessTest.filesContaining(local, TOKEN)).isEmpty();
    }

    @Test
    void a_wrong_token_is_refused_in_one_line_that_does_not_hold_it() throws Exception {
        Path served = apache.repos().resolve("wrong-token");
        try (RemoteFixture author = RemoteFixture.create(served, "main")) {
            author.commitAndPush("first", "context/MISSION.md", "m1");
            String wrong = "wrong-0b7a6e55c1";
            try (GitMirror mirror = GitMirror.open(dir.resolve("home"),
                    remote(dir.resolve("home"), apache.url("wrong-token/remote.git"), wrong))) {
                assertThatThrownBy(() -> mirror.sync("test"))
                        .isInstanceOf(BrainTrustException.Unavailable.class)
                        .hasMessageContaining("refused the credentials (the token)")
                        .hasMessageNotContaining(wrong)
                        .satisfies(e -> assertThat(e.getMessage().lines().count()).isEqualTo(1));
            }
        }
    }

    @Test
    void never_sends_the_token_to_another_host_a_redirect_names() throws Exception {
        Path served = apache.repos().resolve("redirected.git");
        try (RemoteFixture author = RemoteFixture.create(apache.repos().resolve("tmp-redirect"), "main")) {
            author.commitAndPush("first", "context/MISSION.md", "m1");
            Files.move(author.bare, served);
        }
        int before = apache.settledRequests().size();
        try (GitMirror mirror = GitMirror.open(dir.resolve("home"),
                remote(dir.resolve("home"), apache.url("moved.git"), TOKEN))) {
            assertThatThrownBy(() -> mirror.sync("test")).isInstanceOf(BrainTrustException.Unavailable.class);
        }
        List<String> all = apache.settledRequests();
        List<String> requests = all.subList(before, all.size());
        assertThat(requests).anyMatch(line -> line.startsWith("GET /git/moved.git") && line.matches(".* 30[1-8] .*"));
        List<String> toOtherHost = requests.stream().filter(line -> line.contains("host=localhost:" + apache.port())).toList();
        assertThat(toOtherHost).as(requests.toString()).isNotEmpty().allMatch(line -> line.contains("user=-"));
    }
}
