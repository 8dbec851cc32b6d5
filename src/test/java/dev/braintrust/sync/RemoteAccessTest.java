package dev.braintrust.sync;

import dev.braintrust.BrainTrustException;
import dev.braintrust.Config;
import dev.braintrust.Json;
import dev.braintrust.Secret;
import dev.braintrust.journal.Journal;
import dev.braintrust.testing.GitHttpServerFixture;
import dev.braintrust.testing.LogCapture;
import dev.braintrust.testing.RemoteFixture;
import dev.braintrust.testing.SshGitServerFixture;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Reaching the remote over real protocols: smart HTTP with basic auth (the token path) and SSH with a key. */
class RemoteAccessTest {
    static final String TOKEN = "tok-3f9a2c71e5d04b8b9c1d";

    @TempDir
    Path dir;
    RemoteFixture remote;
    Path home;

    @BeforeEach
    void setUp() {
        remote = RemoteFixture.create(dir.resolve("repos"), "main");
        remote.commitAndPush("first", "context/MISSION.md", "m1", "context/GOALS.md", "g1", "context/BELIEFS.md", "b1",
                "skills/hello.sh", "#!/bin/sh\necho hello\n");
        home = dir.resolve("home");
    }

    @AfterEach
    void tearDown() {
        remote.close();
    }

    Config config(String url, String... more) {
        Map<String, String> env = new HashMap<>(Map.of("HOME", dir.toString(), "PAI_HOME", home.toString(),
                "BRAIN_TRUST_GIT_URL", url, "WEBHOOK_SECRET", WebhookTest.SECRET));
        for (int i = 0; i + 1 < more.length; i += 2) {
            env.put(more[i], more[i + 1]);
        }
        return Config.fromEnv(env);
    }

    /** Every file under the home (the repository included) is searched for the text. */
    static List<Path> filesContaining(Path root, String text) throws IOException {
        byte[] needle = text.getBytes(StandardCharsets.UTF_8);
        try (Stream<Path> all = Files.walk(root)) {
            return all.filter(Files::isRegularFile).filter(p -> {
                try {
                    return new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1)
                            .contains(new String(needle, StandardCharsets.ISO_8859_1));
                } catch (IOException e) {
                    return false;
                }
            }).toList();
        }
    }

    @Test
    void syncs_over_smart_http_with_the_token_and_keeps_it_out_of_every_file() throws Exception {
        try (GitHttpServerFixture server = new GitHttpServerFixture(dir.resolve("repos"), "x-access-token", TOKEN);
             GitMirror mirror = GitMirror.open(home, GitRemote.of(config(server.url("remote.git"), "BRAIN_TRUST_GIT_TOKEN", TOKEN)))) {
            SyncResult r = mirror.sync("test");
            assertThat(r.revision()).isEqualTo(remote.head());
            assertThat(server.seen).anyMatch(line -> line.contains("git-upload-pack") && line.contains("Basic "));
            String next = remote.commitAndPush("goals", "context/GOALS.md", "g2");
            assertThat(mirror.sync("test").revision()).isEqualTo(next);
            assertThat(filesContaining(home, TOKEN)).isEmpty();
            assertThat(Files.readString(home.resolve(".git/config"))).contains(server.url("remote.git"));
        }
    }

    @Test
    void a_wrong_token_is_refused_and_appears_in_no_log_line_response_status_or_file() throws Exception {
        String wrong = "wrong-7c1e0b9d44a2f3e8";
        try (GitHttpServerFixture server = new GitHttpServerFixture(dir.resolve("repos"), "x-access-token", TOKEN);
             LogCapture logs = new LogCapture()) {
            Config config = config(server.url("remote.git"), "BRAIN_TRUST_GIT_TOKEN", wrong);
            try (GitMirror mirror = GitMirror.open(home, GitRemote.of(config));
                 SyncService service = new SyncService(mirror, new Journal(home.resolve("logs"), Clock.systemUTC()), () -> { },
                         Duration.ZERO, config.webhookSecret(), Clock.systemUTC())) {
                assertThatThrownBy(() -> service.syncNow("test"))
                        .isInstanceOf(BrainTrustException.Unavailable.class)
                        .hasMessageContaining("refused the credentials")
                        .hasMessageContaining("BRAIN_TRUST_GIT_TOKEN")
                        .hasMessageNotContaining(wrong);
                String body = WebhookTest.push("refs/heads/main");
                WebhookResponse answer = service.handleWebhook(WebhookTest.github("push", "d-1", body),
                        new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)));
                assertThat(answer.status()).isEqualTo(503);
                String everything = Json.mapper().writeValueAsString(answer.body())
                        + Json.mapper().writeValueAsString(service.status())
                        + Json.mapper().writeValueAsString(service.history());
                assertThat(everything).contains("refused the credentials").doesNotContain(wrong);
                assertThat(service.status().ready()).isFalse();
            }
            assertThat(logs.all()).contains("refused the credentials").doesNotContain(wrong);
            assertThat(server.seen).as("the client did send the token to the server").isNotEmpty();
            assertThat(filesContaining(home, wrong)).isEmpty();
        }
    }

    @Test
    void a_token_written_into_the_url_works_and_is_kept_out_of_files_status_and_logs() throws Exception {
        try (GitHttpServerFixture server = new GitHttpServerFixture(dir.resolve("repos"), "x-access-token", TOKEN);
             LogCapture logs = new LogCapture()) {
            String url = server.url("remote.git").replace("http://", "http://x-access-token:" + TOKEN + "@");
            Config config = config(url);
            try (GitMirror mirror = GitMirror.open(home, GitRemote.of(config));
                 SyncService service = new SyncService(mirror, new Journal(home.resolve("logs"), Clock.systemUTC()), () -> { },
                         Duration.ZERO, null, Clock.systemUTC())) {
                assertThat(service.syncNow("test").revision()).isEqualTo(remote.head());
                assertThat(Json.mapper().writeValueAsString(service.status())).doesNotContain(TOKEN)
                        .contains(server.url("remote.git"));
            }
            assertThat(logs.all()).doesNotContain(TOKEN);
            assertThat(filesContaining(home, TOKEN)).isEmpty();
        }
    }

    @Test
    void an_unreachable_server_keeps_the_last_snapshot_and_is_followed_again_when_it_is_back() throws Exception {
        GitHttpServerFixture server = new GitHttpServerFixture(dir.resolve("repos"), "x-access-token", TOKEN);
        int port = server.port();
        String url = server.url("remote.git");
        try (GitMirror mirror = GitMirror.open(home, GitRemote.of(config(url, "BRAIN_TRUST_GIT_TOKEN", TOKEN)))) {
            String first = mirror.sync("test").revision();
            server.close();
            String next = remote.commitAndPush("while the server is down", "context/GOALS.md", "g2");
            assertThatThrownBy(() -> mirror.sync("test"))
                    .isInstanceOf(BrainTrustException.Unavailable.class)
                    .hasMessageContaining("cannot fetch from " + url)
                    .hasMessageContaining("the last good snapshot is kept")
                    .hasMessageNotContaining(TOKEN);
            assertThat(mirror.revision()).isEqualTo(first);
            assertThat(mirror.contextSource(Clock.systemUTC()).load().text("GOALS.md")).isEqualTo("g1");
            try (GitHttpServerFixture back = new GitHttpServerFixture(dir.resolve("repos"), "x-access-token", TOKEN, port)) {
                assertThat(mirror.sync("test").revision()).isEqualTo(next);
                assertThat(mirror.contextSource(Clock.systemUTC()).load().text("GOALS.md")).isEqualTo("g2");
            }
        } finally {
            server.close();
        }
    }

    @Test
    void without_a_token_a_private_repository_says_what_to_set() throws Exception {
        try (GitHttpServerFixture server = new GitHttpServerFixture(dir.resolve("repos"), "x-access-token", TOKEN);
             GitMirror mirror = GitMirror.open(home, GitRemote.of(config(server.url("remote.git"))))) {
            assertThatThrownBy(() -> mirror.sync("test"))
                    .isInstanceOf(BrainTrustException.Unavailable.class)
                    .hasMessageContaining("no token was given")
                    .hasMessageContaining("BRAIN_TRUST_GIT_TOKEN");
        }
    }

    @Test
    void publishes_and_clones_over_http_with_the_token() throws Exception {
        try (GitHttpServerFixture server = new GitHttpServerFixture(dir.resolve("repos"), "x-access-token", TOKEN)) {
            org.eclipse.jgit.api.Git.init().setBare(true).setDirectory(dir.resolve("repos/empty.git").toFile())
                    .setInitialBranch("main").call().close();
            Path local = dir.resolve("local");
            new dev.braintrust.home.PaiHome(local).init();
            Config config = config(server.url("empty.git"), "BRAIN_TRUST_GIT_TOKEN", TOKEN, "PAI_HOME", local.toString());
            String published = GitMirror.publish(local, GitRemote.of(config));
            assertThat(filesContaining(local, TOKEN)).isEmpty();
            try (GitMirror mirror = GitMirror.open(home, GitRemote.of(config))) {
                assertThat(mirror.sync("test").revision()).isEqualTo(published);
                assertThat(Files.isExecutable(mirror.skillsFolder().resolve("word_count.sh"))).isTrue();
            }
        }
    }

    @Test
    void syncs_over_ssh_with_the_key_and_the_known_hosts_file() throws Exception {
        try (SshGitServerFixture ssh = new SshGitServerFixture(dir.resolve("repos"), dir.resolve("keys"))) {
            Config config = config(ssh.url("remote.git"), "BRAIN_TRUST_GIT_SSH_KEY", ssh.clientKey.toString(),
                    "BRAIN_TRUST_GIT_KNOWN_HOSTS", ssh.knownHosts.toString());
            try (GitMirror mirror = GitMirror.open(home, GitRemote.of(config))) {
                assertThat(mirror.sync("test").revision()).isEqualTo(remote.head());
                String next = remote.commitAndPush("goals", "context/GOALS.md", "g2");
                assertThat(mirror.sync("test").revision()).isEqualTo(next);
                assertThat(Files.readString(home.resolve(".git/config"))).contains(ssh.url("remote.git"));
            }
        }
    }

    @Test
    void refuses_an_ssh_server_whose_key_is_not_in_the_known_hosts_file() throws Exception {
        try (SshGitServerFixture ssh = new SshGitServerFixture(dir.resolve("repos"), dir.resolve("keys"))) {
            KeyPair impostor = KeyUtils.generateKeyPair(KeyPairProvider.ECDSA_SHA2_NISTP256, 256);
            Path otherHosts = dir.resolve("keys/other_known_hosts");
            Files.writeString(otherHosts, "[127.0.0.1]:" + ssh.port() + " " + PublicKeyEntry.toString(impostor.getPublic()) + "\n");
            Path emptyHosts = dir.resolve("keys/empty_known_hosts");
            Files.writeString(emptyHosts, "");
            for (Path knownHosts : List.of(otherHosts, emptyHosts)) {
                Config config = config(ssh.url("remote.git"), "BRAIN_TRUST_GIT_SSH_KEY", ssh.clientKey.toString(),
                        "BRAIN_TRUST_GIT_KNOWN_HOSTS", knownHosts.toString());
                try (GitMirror mirror = GitMirror.open(home, GitRemote.of(config))) {
                    assertThatThrownBy(() -> mirror.sync("test"))
                            .isInstanceOf(BrainTrustException.Unavailable.class)
                            .hasMessageContaining("[127.0.0.1]:" + ssh.port())
                            .hasMessageContaining("BRAIN_TRUST_GIT_KNOWN_HOSTS");
                    assertThat(mirror.hasSnapshot()).isFalse();
                }
                assertThat(Files.readString(knownHosts)).as("nothing is added to known_hosts")
                        .doesNotContain(PublicKeyEntry.toString(ssh.hostKey.getPublic()));
            }
        }
    }

    @Test
    void refuses_an_ssh_key_the_server_does_not_accept() throws Exception {
        try (SshGitServerFixture ssh = new SshGitServerFixture(dir.resolve("repos"), dir.resolve("keys"))) {
            KeyPair stranger = KeyUtils.generateKeyPair(KeyPairProvider.ECDSA_SHA2_NISTP256, 256);
            Path strangerKey = dir.resolve("keys/stranger");
            try (OutputStream out = Files.newOutputStream(strangerKey)) {
                OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(stranger, "stranger", null, out);
            }
            Config config = config(ssh.url("remote.git"), "BRAIN_TRUST_GIT_SSH_KEY", strangerKey.toString(),
                    "BRAIN_TRUST_GIT_KNOWN_HOSTS", ssh.knownHosts.toString());
            try (GitMirror mirror = GitMirror.open(home, GitRemote.of(config))) {
                assertThatThrownBy(() -> mirror.sync("test"))
                        .isInstanceOf(BrainTrustException.Unavailable.class)
                        .hasMessageContaining("the repository " + ssh.url("remote.git") + " refused the credentials")
                        .hasMessageContaining("BRAIN_TRUST_GIT_SSH_KEY");
            }
        }
    }

    @Test
    void messages_keep_the_user_of_an_ssh_url_and_drop_every_password_and_http_user() {
        assertThat(GitUrls.redact("cannot fetch from ssh://git@example.org/me/home.git: timeout"))
                .isEqualTo("cannot fetch from ssh://git@example.org/me/home.git: timeout");
        assertThat(GitUrls.redact("ssh://git:hunter2@example.org/me/home.git")).isEqualTo("ssh://git@example.org/me/home.git");
        assertThat(GitUrls.redact("https://x-access-token:" + TOKEN + "@example.org/me/home.git and https://" + TOKEN + "@example.org/x"))
                .isEqualTo("https://example.org/me/home.git and https://example.org/x");
    }

    @Test
    void a_secret_never_shows_through_the_secret_type() {
        assertThat(Secret.ofNullable(TOKEN).toString()).doesNotContain(TOKEN);
    }
}
