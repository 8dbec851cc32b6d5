package dev.braintrust.testing;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jgit.errors.RepositoryNotFoundException;
import org.eclipse.jgit.http.server.GitServlet;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real smart-HTTP git server in-process: JGit's {@link GitServlet} on Jetty 12 (ee10), serving the
 * bare repositories under a folder at {@code http://127.0.0.1:<port>/git/<name>}, behind HTTP basic
 * auth (one user and password; fetch and push need them).
 */
public final class GitHttpServerFixture implements AutoCloseable {
    private final Server server;
    private final int port;
    private final AtomicInteger requests = new AtomicInteger();
    /** Every Authorization header and URL the server saw, to check what a client sent. */
    public final List<String> seen = new CopyOnWriteArrayList<>();

    public GitHttpServerFixture(Path reposRoot, String user, String password) throws Exception {
        this(reposRoot, user, password, 0);
    }

    /** @param port the port to listen on, 0 for any (a given port lets a test stop a server and start it again) */
    public GitHttpServerFixture(Path reposRoot, String user, String password, int port) throws Exception {
        Path root = reposRoot.toAbsolutePath().normalize();
        GitServlet git = new GitServlet();
        git.setRepositoryResolver((req, name) -> {
            Path dir = root.resolve(name).normalize();
            if (!dir.startsWith(root) || !Files.isDirectory(dir)) {
                throw new RepositoryNotFoundException(name);
            }
            try {
                return new FileRepositoryBuilder().setGitDir(dir.toFile()).setMustExist(true).build();
            } catch (IOException e) {
                throw new RepositoryNotFoundException(name, e);
            }
        });
        ServletContextHandler context = new ServletContextHandler("/");
        context.addServlet(new ServletHolder(git), "/git/*");
        context.addFilter(new FilterHolder(new BasicAuth(user, password)), "/*", EnumSet.of(DispatcherType.REQUEST));
        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        server.addConnector(connector);
        server.setHandler(context);
        server.start();
        this.port = connector.getLocalPort();
    }

    public int port() {
        return port;
    }

    public String url(String repoName) {
        return "http://127.0.0.1:" + port + "/git/" + repoName;
    }

    public int requestCount() {
        return requests.get();
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }

    private final class BasicAuth implements Filter {
        private final byte[] expected;
        private final String user;

        BasicAuth(String user, String password) {
            this.user = user;
            this.expected = ("Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)))
                    .getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
            requests.incrementAndGet();
            HttpServletRequest http = (HttpServletRequest) request;
            String given = http.getHeader("Authorization");
            seen.add(http.getRequestURI() + (http.getQueryString() == null ? "" : "?" + http.getQueryString()) + " " + given);
            if (given == null || !MessageDigest.isEqual(expected, given.getBytes(StandardCharsets.UTF_8))) {
                HttpServletResponse out = (HttpServletResponse) response;
                out.setHeader("WWW-Authenticate", "Basic realm=\"git\"");
                out.sendError(401);
                return;
            }
            chain.doFilter(new HttpServletRequestWrapper(http) {
                @Override
                public String getRemoteUser() {
                    return user; // lets JGit's receive-pack accept pushes from the authenticated user
                }
            }, response);
        }
    }
}
