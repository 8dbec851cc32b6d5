package dev.braintrust.sync;

import dev.braintrust.BrainTrustException;
import dev.braintrust.Config;
import dev.braintrust.cli.Main;
import dev.braintrust.home.PaiHome;
import dev.braintrust.testing.ChildJvm;
import dev.braintrust.testing.OpenSshServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Cloud mode over SSH against Debian's OpenSSH server with a git-shell user (not a server written
 * here): each key type as the client's key and as the only host key in known_hosts, and the four ways
 * SSH set-ups go wrong, each one clear line.
 */
class OpenSshTest {
    static OpenSshServer sshd;

    @TempDir
    Path dir;

    @BeforeAll
    static void startSshd() throws Exception {
        sshd = OpenSshServer.start();
    }

    @AfterAll
    static void stopSshd() throws Exception {
        if (sshd != null) {
            sshd.close();
        }
    }

    Map<String, String> env(Path home, String url, Path key, Path knownHosts) {
        return new HashMap<>(Map.of("HOME", dir.toString(), "PAI_HOME", home.toString(), "BRAIN_TRUST_GIT_URL", url,
                "BRAIN_TRUST_GIT_SSH_KEY", key.toString(), "BRAIN_TRUST_GIT_KNOWN_HOSTS", knownHosts.toString()));
    }

    GitRemote remote(Path home, String url, Path key, Path knownHosts) {
        return GitRemote.of(Config.fromEnv(env(home, url, key, knownHosts)));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"ed25519", "ecdsa", "rsa"})
    void publishes_clones_and_follows_pushes_with_a_key_and_a_host_key_of_each_type(String type) throws Exception {
        String url = sshd.createRepository("each-" + type + ".git");
        Path key = sshd.clientKey(dir.resolve("keys"), type, "", true);
        Path knownHosts = sshd.knownHosts(dir.resolve("keys"), type); // only this type's line, as ssh-keyscan -t gives
        Path local = dir.resolve("local");
        new PaiHome(local).init();
        String first = GitMirror.publish(local, remote(local, url, key, knownHosts));

        Path home = dir.resolve("home");
        try (GitMirror mirror = GitMirror.open(home, remote(home, url, key, knownHosts))) {
            SyncResult cloned = mirror.sync("test");
            assertThat(cloned.revision()).isEqualTo(first);
            assertThat(mirror.contextSource(java.time.Clock.systemUTC()).load().text("MISSION.md"))
                    .isEqualTo(Files.readString(local.resolve("context/MISSION.md")).strip());

            Files.writeString(local.resolve("context/GOALS.md"), "goals pushed over ssh with " + type);
            String second = GitMirror.publish(local, remote(local, url, key, knownHosts));
            SyncResult synced = mirror.sync("test");
            assertThat(synced.previous()).isEqualTo(first);
            assertThat(synced.revision()).isEqualTo(second);
            assertThat(synced.changed()).containsExactly("context/GOALS.md");
            assertThat(mirror.contextSource(java.time.Clock.systemUTC()).load().text("GOALS.md"))
                    .isEqualTo("goals pushed over ssh with " + type);
            assertThat(mirror.sync("test").outcome()).isEqualTo(SyncResult.Outcome.UNCHANGED);
        }
        assertThat(Files.readString(home.resolve(".git/config"))).contains(url);
    }

    @Test
    void an_unknown_host_says_so_and_how_to_add_it_and_nothing_is_added_to_known_hosts() throws Exception {
        String url = sshd.createRepository("unknown-host.git");
        Path key = sshd.clientKey(dir.resolve("keys"), "ed25519", "", true);
        Path empty = Files.writeString(dir.resolve("known_hosts"), "");
        try (GitMirror mirror = GitMirror.open(dir.resolve("home"), remote(dir.resolve("home"), url, key, empty))) {
            assertThatThrownBy(() -> mirror.sync("test"))
                    .isInstanceOf(BrainTrustException.Unavailable.class)
                    .hasMessageContaining("[127.0.0.1]:" + sshd.port() + " is not in " + empty)
                    .hasMessageContaining("ssh-keyscan -t ed25519 -p " + sshd.port() + " 127.0.0.1 >> " + empty)
                    .hasMessageNotContaining("EdDSA");
        }
        assertThat(Files.readString(empty)).isEmpty();
    }

    @Test
    void a_changed_host_key_is_refused_as_changed() throws Exception {
        String url = sshd.createRepository("changed-key.git");
        Path key = sshd.clientKey(dir.resolve("keys"), "ed25519", "", true);
        Path impostorKey = sshd.clientKey(dir.resolve("other"), "ed25519", "", false); // any ed25519 key that is not the host's
        String impostor = Files.readString(impostorKey.resolveSibling(impostorKey.getFileName() + ".pub")).split(" ")[1];
        Path knownHosts = Files.writeString(dir.resolve("known_hosts"),
                "[127.0.0.1]:" + sshd.port() + " ssh-ed25519 " + impostor + "\n");
        try (GitMirror mirror = GitMirror.open(dir.resolve("home"), remote(dir.resolve("home"), url, key, knownHosts))) {
            assertThatThrownBy(() -> mirror.sync("test"))
                    .isInstanceOf(BrainTrustException.Unavailable.class)
                    .hasMessageContaining("the host key of [127.0.0.1]:" + sshd.port() + " is not the one in " + knownHosts)
                    .hasMessageContaining("ssh-keygen -R");
        }
        assertThat(Files.readString(knownHosts)).doesNotContain(sshd.hostKey("ed25519"));
    }

    @Test
    void a_key_the_server_does_not_authorise_is_refused_naming_the_key() throws Exception {
        String url = sshd.createRepository("not-authorised.git");
        Path stranger = sshd.clientKey(dir.resolve("keys"), "ed25519", "", false);
        Path knownHosts = sshd.knownHosts(dir.resolve("keys"), "ed25519");
        try (GitMirror mirror = GitMirror.open(dir.resolve("home"), remote(dir.resolve("home"), url, stranger, knownHosts))) {
            assertThatThrownBy(() -> mirror.sync("test"))
                    .isInstanceOf(BrainTrustException.Unavailable.class)
                    .hasMessageContaining("refused the credentials (the SSH key " + stranger + ")")
                    .hasMessageContaining("BRAIN_TRUST_GIT_SSH_KEY");
        }
    }

    @Test
    void a_key_with_a_passphrase_is_refused_before_connecting() throws Exception {
        String url = sshd.createRepository("passphrase.git");
        Path locked = sshd.clientKey(dir.resolve("keys"), "ed25519", "a passphrase", true);
        Path knownHosts = sshd.knownHosts(dir.resolve("keys"), "ed25519");
        try (GitMirror mirror = GitMirror.open(dir.resolve("home"), remote(dir.resolve("home"), url, locked, knownHosts))) {
            assertThatThrownBy(() -> mirror.sync("test"))
                    .isInstanceOf(BrainTrustException.BadConfig.class)
                    .hasMessageStartingWith("keys with a passphrase are not supported: " + locked + " has one")
                    .hasMessageContaining("ssh-keygen -p");
        }
    }

    /** What the user sees: `brain-trust sync --once` in its own process, with the product's logging. */
    @Test
    void each_ssh_failure_is_one_line_on_the_console_and_never_a_stack_trace() throws Exception {
        String url = sshd.createRepository("console.git");
        Path good = sshd.clientKey(dir.resolve("keys"), "ed25519", "", true);
        Path stranger = sshd.clientKey(dir.resolve("keys"), "ed25519", "", false);
        Path locked = sshd.clientKey(dir.resolve("keys"), "ed25519", "pass", true);
        Path known = sshd.knownHosts(dir.resolve("keys"), "ed25519");
        Path empty = Files.writeString(dir.resolve("empty_known_hosts"), "");
        Path changed = Files.writeString(dir.resolve("changed_known_hosts"), "[127.0.0.1]:" + sshd.port() + " "
                + Files.readString(stranger.resolveSibling(stranger.getFileName() + ".pub")).split(" ", 3)[0] + " "
                + Files.readString(stranger.resolveSibling(stranger.getFileName() + ".pub")).split(" ", 3)[1] + "\n");
        Map<String, List<Object>> cases = Map.of(
                "is not in", List.of(good, empty),
                "is not the one in", List.of(good, changed),
                "refused the credentials", List.of(stranger, known),
                "keys with a passphrase are not supported", List.of(locked, known));
        for (Map.Entry<String, List<Object>> c : cases.entrySet()) {
            Path home = dir.resolve("home-" + c.getKey().hashCode());
            Process p = ChildJvm.start(Main.class, env(home, url, (Path) c.getValue().get(0), (Path) c.getValue().get(1)),
                    "sync", "--once");
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(output).isIn(1, 2);
            assertThat(output.lines().toList()).as(output).hasSize(1);
            assertThat(output).startsWith("error: ").contains(c.getKey()).doesNotContain("Exception").doesNotContain("\tat ");
        }
    }
}
