package dev.braintrust.testing;

import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.ReceivePack;
import org.eclipse.jgit.transport.UploadPack;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;

/**
 * A real SSH git server in-process (Apache MINA sshd, as JGit's own client uses): public-key
 * authentication with one client key, and {@code git-upload-pack} / {@code git-receive-pack}
 * served by JGit on the bare repositories under a folder, at {@code ssh://git@127.0.0.1:<port>/<name>}.
 * Writes the client's private key and a known_hosts file naming the server's host key.
 */
public final class SshGitServerFixture implements AutoCloseable {
    private final SshServer server;
    public final Path clientKey;
    public final Path knownHosts;
    public final KeyPair hostKey;

    public SshGitServerFixture(Path reposRoot, Path keysDir) throws Exception {
        Path root = reposRoot.toAbsolutePath().normalize();
        hostKey = KeyUtils.generateKeyPair(KeyPairProvider.ECDSA_SHA2_NISTP256, 256);
        KeyPair client = KeyUtils.generateKeyPair(KeyPairProvider.ECDSA_SHA2_NISTP256, 256);
        server = SshServer.setUpDefaultServer();
        server.setHost("127.0.0.1");
        server.setPort(0);
        server.setKeyPairProvider(KeyPairProvider.wrap(hostKey));
        server.setPublickeyAuthenticator((user, key, session) -> KeyUtils.compareKeys(key, client.getPublic()));
        server.setPasswordAuthenticator(null);
        server.setKeyboardInteractiveAuthenticator(null);
        server.setCommandFactory((channel, command) -> new GitCommand(root, command));
        server.start();
        Files.createDirectories(keysDir);
        clientKey = keysDir.resolve("id_ecdsa");
        try (OutputStream out = Files.newOutputStream(clientKey)) {
            OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(client, "brain-trust-test", null, out);
        }
        Files.setPosixFilePermissions(clientKey, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        knownHosts = keysDir.resolve("known_hosts");
        Files.writeString(knownHosts, "[127.0.0.1]:" + port() + " " + PublicKeyEntry.toString(hostKey.getPublic()) + "\n",
                StandardCharsets.UTF_8);
    }

    public int port() {
        return server.getPort();
    }

    public String url(String repoName) {
        return "ssh://git@127.0.0.1:" + port() + "/" + repoName;
    }

    @Override
    public void close() throws Exception {
        server.stop(true);
    }

    private static final class GitCommand implements Command {
        private final Path root;
        private final String command;
        private InputStream in;
        private OutputStream out;
        private OutputStream err;
        private ExitCallback exit;

        GitCommand(Path root, String command) {
            this.root = root;
            this.command = command;
        }

        @Override
        public void setInputStream(InputStream in) {
            this.in = in;
        }

        @Override
        public void setOutputStream(OutputStream out) {
            this.out = out;
        }

        @Override
        public void setErrorStream(OutputStream err) {
            this.err = err;
        }

        @Override
        public void setExitCallback(ExitCallback callback) {
            this.exit = callback;
        }

        @Override
        public void start(ChannelSession channel, Environment env) {
            Thread t = new Thread(this::serve, "ssh-git");
            t.setDaemon(true);
            t.start();
        }

        private void serve() {
            List<String> words = org.apache.sshd.server.command.CommandFactory.split(command);
            int code = 0;
            try {
                if (words.size() != 2) {
                    throw new IllegalArgumentException("unsupported command " + command);
                }
                String name = words.get(1).replace("'", "");
                Path dir = root.resolve(name.startsWith("/") ? name.substring(1) : name).normalize();
                if (!dir.startsWith(root) || !Files.isDirectory(dir)) {
                    throw new IllegalArgumentException("no repository " + name);
                }
                try (Repository repo = new FileRepositoryBuilder().setGitDir(dir.toFile()).setMustExist(true).build()) {
                    switch (words.get(0)) {
                        case "git-upload-pack" -> new UploadPack(repo).upload(in, out, err);
                        case "git-receive-pack" -> new ReceivePack(repo).receive(in, out, err);
                        default -> throw new IllegalArgumentException("unsupported command " + words.get(0));
                    }
                }
            } catch (Exception e) {
                code = 1;
                try {
                    err.write((e.getMessage() + "\n").getBytes(StandardCharsets.UTF_8));
                    err.flush();
                } catch (Exception ignored) {
                    // the client went away
                }
            } finally {
                try {
                    out.flush();
                } catch (Exception ignored) {
                    // the client went away
                }
                exit.onExit(code);
            }
        }

        @Override
        public void destroy(ChannelSession channel) {
        }
    }
}
