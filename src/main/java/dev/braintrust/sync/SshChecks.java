package dev.braintrust.sync;

import dev.braintrust.BrainTrustException;
import org.apache.sshd.client.config.hosts.KnownHostEntry;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.eclipse.jgit.transport.URIish;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What an SSH set-up needs before it can work, said in one line each: a private key without a
 * passphrase (there is no passphrase setting, and nothing may ever be asked), and a known_hosts file
 * that names the server — telling apart a host that is not listed from one whose key changed.
 */
final class SshChecks {
    private SshChecks() {
    }

    /**
     * Reads the private key as the SSH client will.
     *
     * @throws BrainTrustException.BadConfig when it has a passphrase or is not a private key
     */
    static void checkIdentity(Path key) {
        AtomicBoolean askedForPassphrase = new AtomicBoolean();
        try (InputStream in = Files.newInputStream(key)) {
            SecurityUtils.loadKeyPairIdentities(null, NamedResource.ofName(key.toString()), in, (session, resource, retry) -> {
                askedForPassphrase.set(true);
                throw new IOException("no passphrase is given");
            });
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            if (askedForPassphrase.get()) {
                throw new BrainTrustException.BadConfig("keys with a passphrase are not supported: " + key + " has one, "
                        + "and the server can never type it. Use a key made for this server without one "
                        + "(ssh-keygen -t ed25519 -N '' -f <file>), or remove it from a copy (ssh-keygen -p -N '' -f <copy>)");
            }
            throw new BrainTrustException.BadConfig("BRAIN_TRUST_GIT_SSH_KEY " + key + " is not a private key the SSH client "
                    + "can read (" + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())
                    + "); give the private half of an ed25519, ECDSA or RSA key in OpenSSH or PEM format");
        }
    }

    /**
     * Why the server's host key was refused: its host is not in the known_hosts file at all, or it is
     * listed with another key. Both say what to do; nothing is ever added to the file.
     */
    static String hostKeyProblem(String url, Path knownHosts) {
        String host;
        int port;
        try {
            URIish uri = new URIish(url);
            host = uri.getHost();
            port = uri.getPort() > 0 ? uri.getPort() : 22;
        } catch (URISyntaxException e) {
            return "the SSH server of " + url + " is not trusted by " + knownHosts;
        }
        String name = port == 22 ? host : "[" + host + "]:" + port;
        String keyscan = "ssh-keyscan -t ed25519 " + (port == 22 ? "" : "-p " + port + " ") + host + " >> " + knownHosts;
        List<KnownHostEntry> entries;
        try {
            entries = KnownHostEntry.readKnownHostEntries(knownHosts);
        } catch (NoSuchFileException e) {
            return "the SSH server " + name + " is not in " + knownHosts + " (BRAIN_TRUST_GIT_KNOWN_HOSTS), which does not exist; "
                    + "if the server is the right one, add its key: " + keyscan + " (and compare the fingerprint with the one the host publishes)";
        } catch (IOException | RuntimeException e) {
            return "the known-hosts file " + knownHosts + " (BRAIN_TRUST_GIT_KNOWN_HOSTS) cannot be read: " + e.getMessage();
        }
        boolean listed = entries != null && entries.stream().anyMatch(entry -> entry.isHostMatch(host, port));
        if (!listed) {
            return "the SSH server " + name + " is not in " + knownHosts + " (BRAIN_TRUST_GIT_KNOWN_HOSTS), so it is not trusted; "
                    + "if it is the right server, add its key: " + keyscan + " (and compare the fingerprint with the one the host publishes)";
        }
        return "the host key of " + name + " is not the one in " + knownHosts + " (BRAIN_TRUST_GIT_KNOWN_HOSTS): the server's key "
                + "changed, or another server answers in its place, so nothing was fetched. If the host really changed its key, "
                + "replace its line: ssh-keygen -R '" + name + "' -f " + knownHosts + ", then " + keyscan;
    }
}
