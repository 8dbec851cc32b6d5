package dev.braintrust.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Debian's Apache ({@code /usr/sbin/apache2}) serving git's own smart-HTTP backend
 * ({@code git-http-backend}, as CGI) on a free loopback port, behind HTTP basic auth with one user,
 * as a self-hosted git server runs it. Repositories live under {@link #repos()} at
 * {@code http://127.0.0.1:<port>/git/<name>}. Every request is written to an access log that tests
 * and the bench read: method, path, status, the authenticated user ({@code -} when none) and the
 * {@code Host} header.
 *
 * <p>Apache runs its workers as {@code www-data}: repositories the tests push to over HTTP are handed
 * to that user ({@link #createRepository}); ones that root writes directly stay readable to it.
 * Needs the package {@code apache2} and root (see {@link RealServers}).
 */
public final class ApacheGitServer implements AutoCloseable {
    public static final Path APACHE = Path.of("/usr/sbin/apache2");
    public static final Path BACKEND = Path.of("/usr/lib/git-core/git-http-backend");
    private static final Path MODULES = Path.of("/usr/lib/apache2/modules");
    private static final List<String> MODULE_NAMES = List.of("mpm_prefork", "authz_core", "authn_core", "authn_file",
            "auth_basic", "authz_user", "alias", "cgi", "env");

    private final Path dir;
    private final Path repos;
    private final int port;
    private final Process apache;

    private ApacheGitServer(Path dir, Path repos, int port, Process apache) {
        this.dir = dir;
        this.repos = repos;
        this.port = port;
        this.apache = apache;
    }

    /** Starts a server with one basic-auth user; skipped (or failed under CI) when Apache or root are missing. */
    public static ApacheGitServer start(String user, String password) throws IOException {
        return start(user, password, "");
    }

    /**
     * @param extraConfig more Apache directives, e.g. {@code Redirect /git/old.git http://elsewhere/git/new.git};
     *                    {@code %PORT%} stands for the port
     */
    public static ApacheGitServer start(String user, String password, String extraConfig) throws IOException {
        RealServers.need(APACHE, "apache2");
        RealServers.need(BACKEND, "git");
        Path dir = RealServers.openFolder("bt-apache-");
        Path repos = dir.resolve("repos");
        Files.createDirectories(repos);
        Path cgiHome = dir.resolve("cgi-home");
        Files.createDirectories(cgiHome);
        // git refuses repositories owned by another user than the one it runs as, unless told they are safe
        Files.writeString(cgiHome.resolve(".gitconfig"), "[safe]\n\tdirectory = *\n");
        Files.writeString(dir.resolve("htpasswd"), user + ":{SHA}" + sha1Base64(password) + "\n");
        IOException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            int port = RealServers.freePort();
            StringBuilder modules = new StringBuilder();
            for (String name : MODULE_NAMES) {
                modules.append("LoadModule ").append(name).append("_module ").append(MODULES.resolve("mod_" + name + ".so")).append('\n');
            }
            Path config = dir.resolve("httpd.conf");
            Files.writeString(config, modules + """
                    ServerRoot "%1$s"
                    ServerName 127.0.0.1
                    Listen 127.0.0.1:%2$d
                    PidFile %1$s/httpd.pid
                    DefaultRuntimeDir %1$s
                    Mutex file:%1$s default
                    ErrorLog %1$s/error.log
                    LogLevel warn
                    User www-data
                    Group www-data
                    KeepAlive On
                    LogFormat "%%m %%U%%q %%>s user=%%u host=%%{Host}i" requests
                    CustomLog %1$s/access.log requests
                    SetEnv GIT_PROJECT_ROOT %3$s
                    SetEnv GIT_HTTP_EXPORT_ALL 1
                    SetEnv HOME %4$s
                    ScriptAlias /git/ %5$s/
                    <Directory "%6$s">
                        Options +ExecCGI
                        Require all granted
                    </Directory>
                    <Location "/git/">
                        AuthType Basic
                        AuthName "git"
                        AuthBasicProvider file
                        AuthUserFile %1$s/htpasswd
                        Require valid-user
                    </Location>
                    """.formatted(dir, port, repos, cgiHome, BACKEND, BACKEND.getParent())
                    + extraConfig.replace("%PORT%", String.valueOf(port)) + "\n");
            // its own session: on stop, Apache's prefork parent signals its whole process group, which would be ours
            Process apache = new ProcessBuilder("setsid", APACHE.toString(), "-f", config.toString(), "-DFOREGROUND")
                    .redirectErrorStream(true).redirectOutput(dir.resolve("apache.out").toFile()).start();
            if (OpenSshServer.waitForPort(port, apache, java.time.Duration.ofSeconds(10))) {
                return new ApacheGitServer(dir, repos, port, apache);
            }
            apache.destroyForcibly();
            last = new IOException("apache did not listen on " + port + ": " + Files.readString(dir.resolve("apache.out"))
                    + (Files.exists(dir.resolve("error.log")) ? Files.readString(dir.resolve("error.log")) : ""));
        }
        throw last;
    }

    private static String sha1Base64(String password) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1")
                    .digest(password.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public int port() {
        return port;
    }

    /** The folder served; a {@link RemoteFixture} created here is served at {@code url("remote.git")}. */
    public Path repos() {
        return repos;
    }

    public String url(String name) {
        return "http://127.0.0.1:" + port + "/git/" + name;
    }

    /** An empty bare repository the server may write to (pushes over HTTP), with {@code main} as its default branch. */
    public String createRepository(String name) throws IOException {
        Path repo = repos.resolve(name);
        RealServers.run(List.of("git", "init", "-q", "--bare", "-b", "main", repo.toString()), Map.of());
        RealServers.run(List.of("chown", "-R", "www-data:www-data", repo.toString()), Map.of());
        return url(name);
    }

    /** Every request served so far, one line each: {@code GET /git/remote.git/info/refs?service=git-upload-pack 200 user=x-access-token host=127.0.0.1:port}. */
    public List<String> requests() throws IOException {
        Path log = dir.resolve("access.log");
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }

    /**
     * The requests once Apache has written them all: it logs a request after answering it, so a client
     * can be done before the last line is written. Waits until the log has not grown for 150 ms.
     */
    public List<String> settledRequests() throws IOException {
        List<String> last = requests();
        long stableSince = System.nanoTime();
        while (System.nanoTime() - stableSince < 150_000_000L) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            List<String> now = requests();
            if (now.size() != last.size()) {
                last = now;
                stableSince = System.nanoTime();
            }
        }
        return last;
    }

    /** What Apache logged as errors, to explain a failure. */
    public String errors() throws IOException {
        Path log = dir.resolve("error.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    @Override
    public void close() throws Exception {
        apache.destroy(); // SIGTERM: the parent stops its workers
        if (!apache.waitFor(10, TimeUnit.SECONDS)) {
            apache.destroyForcibly();
        }
        RealServers.deleteTree(dir);
    }
}
