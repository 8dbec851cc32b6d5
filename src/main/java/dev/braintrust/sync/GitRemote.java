package dev.braintrust.sync;

import dev.braintrust.BrainTrustException;
import dev.braintrust.Config;
import dev.braintrust.Secret;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * The repository that is the source of truth in cloud mode, and how to reach it.
 *
 * <p>The URL kept here never holds credentials: a token written into the URL
 * ({@code https://user:token@host/repo}) is moved into {@link #token()} and removed from the URL,
 * so it is never written to {@code .git/config}, shown in {@code status} or logged.
 *
 * @param url        the repository URL without any password (and, for HTTP(S), without any user name)
 * @param branch     the tracked branch, e.g. {@code main}
 * @param username   the HTTPS user name sent with the token
 * @param token      the HTTPS token, or null
 * @param sshKey     a private key file for SSH URLs, or null for the SSH defaults
 * @param knownHosts the known-hosts file the SSH server's key must be listed in
 * @param timeout    the longest a fetch or push may stall on the network
 */
public record GitRemote(String url, String branch, String username, Secret token, Path sshKey, Path knownHosts,
                        Duration timeout) {
    /** How long a network operation may stall before it fails (JGit's transport timeout). */
    public static final Duration DEFAULT_TIMEOUT = dev.braintrust.Config.DEFAULT_GIT_TIMEOUT;

    public GitRemote {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(branch, "branch");
        if (branch.isBlank() || branch.startsWith("-") || branch.contains("..") || branch.startsWith("refs/")
                || branch.chars().anyMatch(c -> c <= ' ' || c == '~' || c == '^' || c == ':' || c == '\\')) {
            throw new BrainTrustException.BadConfig("BRAIN_TRUST_GIT_BRANCH '" + branch + "' is not a branch name; "
                    + "use the short name, e.g. main");
        }
        username = username == null || username.isBlank() ? Config.DEFAULT_GIT_USERNAME : username;
        timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
    }

    /**
     * The remote of a configuration in cloud mode (credentials in the URL are moved out of it).
     *
     * @throws BrainTrustException.BadConfig when the URL is not a git URL
     */
    public static GitRemote of(Config config) {
        return of(config.gitUrl(), config);
    }

    /**
     * The remote at {@code url}, with the branch and credentials of the configuration. For HTTP(S),
     * credentials written into the URL are taken out of it: {@code user:token@} gives the user name
     * and the token, a lone {@code token@} (GitHub's style) the token; BRAIN_TRUST_GIT_TOKEN wins.
     */
    public static GitRemote of(String url, Config config) {
        GitUrls.Parsed parsed = GitUrls.parse(url);
        String username = config.gitUsername();
        Secret token = config.gitToken();
        if (parsed.http() && parsed.user() != null) {
            if (parsed.password() != null) {
                username = parsed.user();
                token = token != null ? token : Secret.ofNullable(parsed.password());
            } else if (token != null) {
                username = parsed.user();
            } else {
                token = Secret.ofNullable(parsed.user());
            }
        }
        if (parsed.hadCredentials()) {
            org.slf4j.LoggerFactory.getLogger(GitRemote.class).warn("the git URL carries a credential; it is used, but "
                    + "kept out of every file and message: prefer BRAIN_TRUST_GIT_TOKEN, which does not show in process lists");
        }
        return new GitRemote(parsed.cleanUrl(), config.gitBranch(), username, token, config.gitSshKey(),
                config.gitKnownHosts(), config.limits().gitTimeout());
    }

    /** The URL as it may be shown to a user: never a password or token. */
    public String displayUrl() {
        return url;
    }

    public String branchRef() {
        return "refs/heads/" + branch;
    }

    public boolean isSsh() {
        return GitUrls.isSsh(url);
    }

    @Override
    public String toString() {
        return displayUrl() + " (branch " + branch + ")";
    }
}
