package dev.braintrust.sync;

import dev.braintrust.BrainTrustException;
import org.eclipse.jgit.api.TransportCommand;
import org.eclipse.jgit.errors.NotSupportedException;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.transport.TagOpt;
import org.eclipse.jgit.transport.Transport;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.transport.CredentialItem;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.SshConfigStore;
import org.eclipse.jgit.transport.SshTransport;
import org.eclipse.jgit.transport.TransportHttp;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;
import org.eclipse.jgit.transport.sshd.SshdSessionFactory;
import org.eclipse.jgit.transport.sshd.SshdSessionFactoryBuilder;
import org.eclipse.jgit.util.FS;

import java.io.File;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * How JGit reaches the remote: the HTTPS token in memory only (never a URL, a file or a process
 * argument), sent with the first request to the configured host (JGit alone asks anonymously first and
 * sends it again after the 401: one request and one round trip more per sync), and never to another host
 * a redirect names; or SSH with the configured key (checked first: no passphrase) and strict known-hosts checking.
 * Also turns transport failures into messages a user can act on, with every credential removed.
 */
final class GitTransport implements AutoCloseable {
    private static final List<String> DEFAULT_IDENTITIES = List.of("id_ed25519", "id_ecdsa", "id_rsa");
    private final GitRemote remote;
    private final CredentialsProvider credentials;
    private SshdSessionFactory ssh;

    GitTransport(GitRemote remote) {
        this.remote = remote;
        this.credentials = remote.token() == null || remote.isSsh() ? null : forConfiguredHostOnly(remote);
    }

    /** The token, for the scheme, host and port of the configured URL only. */
    private static CredentialsProvider forConfiguredHostOnly(GitRemote remote) {
        UsernamePasswordCredentialsProvider token = new UsernamePasswordCredentialsProvider(remote.username(),
                remote.token().reveal());
        String origin = origin(remote.url());
        return new CredentialsProvider() {
            @Override
            public boolean isInteractive() {
                return false;
            }

            @Override
            public boolean supports(CredentialItem... items) {
                return token.supports(items);
            }

            @Override
            public boolean get(URIish uri, CredentialItem... items) {
                return origin != null && origin.equals(origin(uri.toString())) && token.get(uri, items);
            }
        };
    }

    private static String origin(String url) {
        try {
            URIish uri = new URIish(url);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            int port = uri.getPort() > 0 ? uri.getPort() : scheme.equals("https") ? 443 : 80;
            return scheme + "://" + (uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT)) + ":" + port;
        } catch (URISyntaxException e) {
            return null;
        }
    }

    /** The token goes with the first request: the transport was opened at the configured URL. */
    private void sendPreemptively(Transport transport) {
        if (transport instanceof TransportHttp http && credentials != null) {
            http.setPreemptiveBasicAuthentication(remote.username(), remote.token().reveal());
        }
    }

    /** Applies credentials, SSH settings and the timeout to a fetch, push or ls-remote. */
    <C extends TransportCommand<C, ?>> C configure(C command) {
        command.setTimeout((int) Math.max(1, remote.timeout().toSeconds()));
        if (remote.isSsh()) {
            SshdSessionFactory factory = sshFactory();
            command.setTransportConfigCallback(transport -> {
                if (transport instanceof SshTransport sshTransport) {
                    sshTransport.setSshSessionFactory(factory);
                }
            });
        } else if (credentials != null) {
            command.setCredentialsProvider(credentials);
            command.setTransportConfigCallback(this::sendPreemptively);
        }
        return command;
    }

    /** A transport to the remote with credentials, SSH settings and the timeout; the caller closes it. */
    Transport open(Repository repo) throws NotSupportedException, URISyntaxException, org.eclipse.jgit.errors.TransportException {
        Transport transport = Transport.open(repo, new URIish(remote.url()));
        transport.setTimeout((int) Math.max(1, remote.timeout().toSeconds()));
        transport.setTagOpt(TagOpt.NO_TAGS);
        if (transport instanceof SshTransport sshTransport) {
            sshTransport.setSshSessionFactory(sshFactory());
        } else if (credentials != null) {
            transport.setCredentialsProvider(credentials);
            sendPreemptively(transport);
        }
        return transport;
    }

    private synchronized SshdSessionFactory sshFactory() {
        if (ssh == null) {
            File userHome = FS.DETECTED.userHome();
            Path key = remote.sshKey();
            if (key != null && !Files.isReadable(key)) {
                throw new BrainTrustException.BadConfig("BRAIN_TRUST_GIT_SSH_KEY " + key + " cannot be read; "
                        + "fix the path or the file's permissions");
            }
            if (key != null) {
                SshChecks.checkIdentity(key);
            } else {
                for (String name : DEFAULT_IDENTITIES) {
                    Path candidate = userHome.toPath().resolve(".ssh").resolve(name);
                    if (Files.isReadable(candidate)) {
                        SshChecks.checkIdentity(candidate);
                    }
                }
            }
            Path knownHosts = remote.knownHosts();
            File sshDir = key != null ? key.toAbsolutePath().getParent().toFile() : new File(userHome, ".ssh");
            ssh = new SshdSessionFactoryBuilder()
                    .setHomeDirectory(userHome)
                    .setSshDirectory(sshDir)
                    .setPreferredAuthentications("publickey")
                    .setDefaultKnownHostsFiles(dir -> knownHosts == null ? List.of() : List.of(knownHosts))
                    .setDefaultIdentities(dir -> key != null ? List.of(key)
                            : DEFAULT_IDENTITIES.stream().map(name -> dir.toPath().resolve(name)).toList())
                    .setConfigStoreFactory((home, configFile, localUser) -> strictConfig(key, knownHosts))
                    .build(null);
        }
        return ssh;
    }

    /**
     * Our SSH settings, whatever {@code ~/.ssh/config} says: the server's key must already be in the
     * known-hosts file (no trust on first use), only our key is offered, and nothing is ever asked.
     */
    private static SshConfigStore strictConfig(Path key, Path knownHosts) {
        Map<String, String> options = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        options.put("StrictHostKeyChecking", "yes");
        options.put("BatchMode", "yes");
        options.put("PasswordAuthentication", "no");
        options.put("KbdInteractiveAuthentication", "no");
        options.put("GlobalKnownHostsFile", "none");
        if (knownHosts != null) {
            options.put("UserKnownHostsFile", knownHosts.toString());
        }
        if (key != null) {
            options.put("IdentitiesOnly", "yes");
        }
        Map<String, List<String>> multi = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        if (key != null) {
            multi.put("IdentityFile", List.of(key.toString()));
        }
        SshConfigStore.HostConfig config = new SshConfigStore.HostConfig() {
            @Override
            public String getValue(String name) {
                return options.get(name);
            }

            @Override
            public List<String> getValues(String name) {
                return multi.getOrDefault(name, List.of());
            }

            @Override
            public Map<String, String> getOptions() {
                return options;
            }

            @Override
            public Map<String, List<String>> getMultiValuedOptions() {
                return multi;
            }
        };
        return new SshConfigStore() {
            @Override
            public HostConfig lookup(String hostName, int port, String userName) {
                return config;
            }

            @Override
            public HostConfig lookupDefault(String hostName, int port, String userName) {
                return config;
            }
        };
    }

    /**
     * A failure of talking to the remote, as a message that says what is wrong and what to do.
     * The message never contains the token: it is removed wherever it appears, with any user
     * information in URLs.
     */
    BrainTrustException failure(String action, Throwable e) {
        String detail = clean(rootMessage(e));
        String lower = detail.toLowerCase(Locale.ROOT);
        String url = remote.displayUrl();
        String message;
        if (lower.contains("does not have " + remote.branchRef().toLowerCase(Locale.ROOT))
                || lower.contains("does not have refs/heads/")) {
            message = "the branch '" + remote.branch() + "' does not exist in " + url
                    + "; push it, or set BRAIN_TRUST_GIT_BRANCH to a branch that exists";
        } else if (lower.contains("not authorized") || lower.contains("authentication is required")
                || lower.contains("auth fail") || lower.matches(".*\\b40[13]\\b.*")
                || lower.contains("no more authentication methods") || lower.contains("authentication failed")
                || lower.contains("cannot log in")) {
            message = "the repository " + url + " refused the credentials ("
                    + (remote.isSsh() ? (remote.sshKey() != null ? "the SSH key " + remote.sshKey() : "the SSH keys in ~/.ssh")
                    : remote.token() == null ? "no token was given" : "the token") + "); "
                    + (remote.isSsh() ? "check BRAIN_TRUST_GIT_SSH_KEY and that the key is allowed on the repository"
                    : "check BRAIN_TRUST_GIT_TOKEN and BRAIN_TRUST_GIT_USERNAME, and that the token may read the repository");
        } else if (lower.contains("host key") || lower.contains("known_hosts") || lower.contains("server key")
                || lower.contains("hostkey")) {
            message = SshChecks.hostKeyProblem(remote.url(), remote.knownHosts());
        } else if (lower.contains("not found") || lower.contains("not a git repository")
                || lower.contains("repository not found") || lower.contains("no such file")
                || lower.contains("does not appear to be a git repository") || lower.matches(".*\\b404\\b.*")) {
            message = "no repository at " + url + " (deleted, moved, or not visible to these credentials); "
                    + "check BRAIN_TRUST_GIT_URL (" + detail + ")";
        } else {
            message = "cannot " + action + " " + url + ": " + detail
                    + "; the last good snapshot is kept and the sync is retried";
        }
        return new BrainTrustException.Unavailable(clean(message), null);
    }

    /** Removes the token and any user information in URLs from a text. */
    String clean(String text) {
        String cleaned = GitUrls.redact(text == null ? "" : text);
        if (remote.token() != null) {
            cleaned = cleaned.replace(remote.token().reveal(), "****");
        }
        return cleaned.replaceAll("\\s+", " ").strip();
    }

    private static String rootMessage(Throwable e) {
        StringBuilder text = new StringBuilder();
        Throwable t = e;
        int depth = 0;
        while (t != null && depth++ < 6) {
            String m = t.getMessage();
            if (m != null && !m.isBlank() && text.indexOf(m) < 0) {
                if (text.length() > 0) {
                    text.append(": ");
                }
                text.append(m);
            }
            t = t.getCause() == t ? null : t.getCause();
        }
        return text.length() == 0 ? e.getClass().getSimpleName() : text.toString();
    }

    @Override
    public synchronized void close() {
        if (ssh != null) {
            ssh.close();
            ssh = null;
        }
    }
}
