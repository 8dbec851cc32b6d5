package dev.braintrust.sync;

import dev.braintrust.BrainTrustException;
import org.eclipse.jgit.transport.URIish;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Pattern;

/** Parsing, comparing and cleaning git URLs, so that no credential reaches a file, a log line or a message. */
final class GitUrls {
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9._-]+|\\[[0-9A-Fa-f:.]+]");
    private static final Pattern USERINFO = Pattern.compile("(?i)\\b([a-z][a-z0-9+.-]*://)([^/@\\s:]*)(:[^/@\\s]*)?@");

    private GitUrls() {
    }

    /**
     * @param cleanUrl the URL without password, and for HTTP(S) without user
     * @param user     the user name written in the URL, or null
     * @param password the password written in the URL, or null
     * @param http     true for http:// and https:// URLs
     */
    record Parsed(String cleanUrl, String user, String password, boolean http) {
        boolean hadCredentials() {
            return password != null || (http && user != null);
        }
    }

    static Parsed parse(String url) {
        if (url == null || url.isBlank()) {
            throw new BrainTrustException.BadConfig("BRAIN_TRUST_GIT_URL is empty; set it to the repository's URL");
        }
        String text = url.strip();
        URIish uri;
        try {
            uri = new URIish(text);
        } catch (URISyntaxException e) {
            throw notAGitUrl(text);
        }
        if (uri.getHost() != null && !HOST.matcher(uri.getHost()).matches()) {
            throw notAGitUrl(text);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        boolean http = scheme.equals("http") || scheme.equals("https");
        String user = uri.getUser();
        String password = uri.getPass();
        URIish clean = uri.setPass(null);
        if (http) {
            clean = clean.setUser(null);
        }
        return new Parsed(clean.toString(), user, password, http);
    }

    private static BrainTrustException.BadConfig notAGitUrl(String text) {
        return new BrainTrustException.BadConfig("BRAIN_TRUST_GIT_URL '" + redact(text) + "' is not a git URL; use "
                + "https://host/owner/repo.git, ssh://git@host/owner/repo.git, git@host:owner/repo.git or a path");
    }

    static boolean isSsh(String url) {
        try {
            URIish uri = new URIish(url);
            String scheme = uri.getScheme();
            if (scheme == null) {
                return uri.getHost() != null; // scp-like: git@host:owner/repo
            }
            return scheme.equalsIgnoreCase("ssh") || scheme.equalsIgnoreCase("git+ssh") || scheme.equalsIgnoreCase("ssh+git");
        } catch (URISyntaxException e) {
            return false;
        }
    }

    /**
     * A form of the URL for deciding whether two URLs name the same repository: no credentials, no
     * trailing slash or {@code .git}, host in lower case, a local path made absolute.
     */
    static String comparable(String url) {
        String clean = parse(url).cleanUrl();
        try {
            URIish uri = new URIish(clean);
            if (uri.getHost() == null && (uri.getScheme() == null || uri.getScheme().equals("file"))) {
                clean = Path.of(uri.getPath()).toAbsolutePath().normalize().toString();
            } else {
                uri = uri.setHost(uri.getHost().toLowerCase(Locale.ROOT));
                if (uri.getScheme() != null) {
                    uri = uri.setScheme(uri.getScheme().toLowerCase(Locale.ROOT));
                }
                clean = uri.toString();
            }
        } catch (URISyntaxException | RuntimeException e) {
            // keep the cleaned text as it is
        }
        while (clean.endsWith("/")) {
            clean = clean.substring(0, clean.length() - 1);
        }
        if (clean.endsWith(".git")) {
            clean = clean.substring(0, clean.length() - 4);
        }
        return clean;
    }

    /**
     * Removes credentials from every URL in a message (a belt to the braces of never putting them
     * there): all user information of an HTTP(S) URL, where a lone user name is often a token, and
     * the password of any other; the user of an SSH URL ({@code ssh://git@host/...}) stays, since it
     * is part of the address and no secret.
     */
    static String redact(String message) {
        if (message == null) {
            return "";
        }
        return USERINFO.matcher(message).replaceAll(m -> {
            String scheme = m.group(1);
            boolean http = scheme.toLowerCase(Locale.ROOT).startsWith("http");
            return java.util.regex.Matcher.quoteReplacement(http || m.group(2).isEmpty() ? scheme : scheme + m.group(2) + "@");
        });
    }
}
