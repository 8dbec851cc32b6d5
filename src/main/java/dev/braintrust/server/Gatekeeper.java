package dev.braintrust.server;

import dev.braintrust.BrainTrustException;
import dev.braintrust.Secret;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Who may call what (ARCHITECTURE.md §6). Every matched route needs the {@code X-API-Key} header
 * (or {@code Authorization: Bearer}, as MCP and OpenAI clients send it)
 * equal to {@code BRAIN_TRUST_API_KEY} (constant-time compare; missing 401, wrong 403), except the
 * routes marked {@link Access#OPEN} where they are registered. Without a configured key the server listens on loopback only
 * and refuses any other client. Wrong keys are rate-limited per client address (429) and logged
 * without the key; behind a reverse proxy listed in {@code BRAIN_TRUST_TRUSTED_PROXIES} the client
 * address is the one the proxy forwarded ({@link ClientAddress}). CORS preflights ({@code OPTIONS})
 * pass: they carry no key and reach no handler.
 *
 * <p>Browsers: a request sent by a web page ({@code Origin} header) is refused unless it comes from
 * the server's own origin or one in {@code BRAIN_TRUST_CORS_ORIGINS}, so a page elsewhere cannot make
 * a browser run a skill (a "simple" cross-site POST needs no preflight). Without a key, the
 * {@code Host} header must also name a loopback host, which defeats DNS rebinding.
 *
 * <p>The dashboard's files are open ({@link Dashboard} marks them): they hold no data, and every API call
 * the page makes carries the key.
 */
final class Gatekeeper {
    static final String HEADER = "X-API-Key";
    private static final String BEARER = "Bearer ";
    private static final Logger log = LoggerFactory.getLogger(Gatekeeper.class);

    private final Secret apiKey;
    private final WrongKeyLimiter limiter;
    private final Set<String> allowedOrigins;
    private final ClientAddress clients;

    /** @param allowedOrigins BRAIN_TRUST_CORS_ORIGINS; a value without a scheme means https */
    Gatekeeper(Secret apiKey, List<String> allowedOrigins, WrongKeyLimiter limiter) {
        this(apiKey, allowedOrigins, limiter, new ClientAddress(List.of()));
    }

    /** @param clients who the client is behind BRAIN_TRUST_TRUSTED_PROXIES */
    Gatekeeper(Secret apiKey, List<String> allowedOrigins, WrongKeyLimiter limiter, ClientAddress clients) {
        this.apiKey = apiKey;
        this.limiter = limiter;
        this.clients = clients;
        this.allowedOrigins = allowedOrigins.stream().map(Gatekeeper::normalizeOrigin).collect(Collectors.toUnmodifiableSet());
    }

    /** The client's address: the peer, or what a trusted proxy forwarded. */
    String clientAddress(Context ctx) {
        String peer = ctx.req().getRemoteAddr();
        return clients.of(peer, forwardedFor(ctx));
    }

    private static String forwardedFor(Context ctx) {
        java.util.Enumeration<String> values = ctx.req().getHeaders("X-Forwarded-For");
        if (values == null || !values.hasMoreElements()) {
            return null;
        }
        StringBuilder all = new StringBuilder(values.nextElement());
        while (values.hasMoreElements()) {
            all.append(',').append(values.nextElement());
        }
        return all.toString();
    }

    /**
     * Whether this caller may see what open routes hold back from strangers ({@code /ready}'s reasons):
     * with a key configured, only a caller sending it (a wrong one counts against its address, as
     * anywhere); without one, only a local client addressing the server by a loopback name.
     */
    boolean mayReadDetails(Context ctx) {
        String address = clientAddress(ctx);
        if (apiKey == null) {
            return isLoopback(address) && isLoopbackHost(ctx.header("Host"));
        }
        String given = ctx.header(HEADER);
        if (given == null || given.isEmpty() || limiter.blockedForSeconds(address) > 0) {
            return false;
        }
        if (apiKey.matches(given)) {
            return true;
        }
        limiter.recordFailure(address);
        return false;
    }

    /**
     * Refuses to listen anywhere but loopback without an API key.
     *
     * @throws BrainTrustException.BadConfig saying how to set a key
     */
    static void checkListenAddress(String host, Secret apiKey) {
        if (apiKey != null) {
            return;
        }
        InetAddress address;
        try {
            address = InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new BrainTrustException.BadConfig("cannot listen on '" + host + "': no such host; use an address such as 127.0.0.1");
        }
        if (!address.isLoopbackAddress()) {
            throw new BrainTrustException.BadConfig("refusing to listen on " + host + " without an API key: anyone who can "
                    + "reach it could use your context and skills. Set BRAIN_TRUST_API_KEY (for example "
                    + "export BRAIN_TRUST_API_KEY=$(openssl rand -hex 32)) or BRAIN_TRUST_API_KEY_FILE, "
                    + "or listen on 127.0.0.1 (the default)");
        }
    }

    /** Runs before every matched route; throws the status to answer with when the caller may not pass. */
    void check(Context ctx) {
        if (ctx.method() == HandlerType.OPTIONS || isPublic(ctx)) {
            return;
        }
        String origin = ctx.header("Origin");
        if (origin != null && !allowedOrigins.contains(normalizeOrigin(origin)) && !sameOrigin(origin, ctx.header("Host"))) {
            throw new HttpResponseException(403, "requests from web pages at " + origin + " are refused; "
                    + "add that origin to BRAIN_TRUST_CORS_ORIGINS on the server to allow it");
        }
        String address = clientAddress(ctx);
        if (apiKey == null) {
            if (!isLoopback(address)) {
                throw new HttpResponseException(403, "this server has no API key and answers only local clients; "
                        + "set BRAIN_TRUST_API_KEY on the server to allow others");
            }
            if (!isLoopbackHost(ctx.header("Host"))) {
                throw new HttpResponseException(403, "this server has no API key and answers only requests addressed to "
                        + "localhost or 127.0.0.1; set BRAIN_TRUST_API_KEY on the server to use another name");
            }
            return;
        }
        long blocked = limiter.blockedForSeconds(address);
        if (blocked > 0) {
            ctx.header("Retry-After", Long.toString(blocked));
            throw new HttpResponseException(429, "too many wrong API keys from your address; try again in " + blocked + " s");
        }
        String given = givenKey(ctx);
        if (given == null || given.isEmpty()) {
            throw new HttpResponseException(401, "missing " + HEADER + " header (or Authorization: Bearer): send the key "
                    + "the server has in BRAIN_TRUST_API_KEY");
        }
        if (!apiKey.matches(given)) {
            int failures = limiter.recordFailure(address);
            if (failures == 1 || failures == WrongKeyLimiter.MAX_FAILURES) {
                log.warn("wrong API key from {} for {} {} ({} in the last minute{})", address, ctx.method(), ctx.path(),
                        failures, failures >= WrongKeyLimiter.MAX_FAILURES ? "; refusing it for a minute" : "");
            }
            throw new HttpResponseException(403, "wrong API key (in " + HEADER + " or Authorization: Bearer)");
        }
    }

    /**
     * The key in {@code X-API-Key}, else in {@code Authorization: Bearer <key>}: what MCP clients and
     * OpenAI client libraries send.
     */
    static String givenKey(Context ctx) {
        String given = ctx.header(HEADER);
        if (given != null && !given.isEmpty()) {
            return given;
        }
        String authorization = ctx.header("Authorization");
        if (authorization != null && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return authorization.substring(BEARER.length()).strip();
        }
        return null;
    }

    /** Marked {@link Access#OPEN} where it is registered. */
    private static boolean isPublic(Context ctx) {
        return ctx.routeRoles().contains(Access.OPEN);
    }

    /** {@code https://App.example.com/} → {@code https://app.example.com}; no scheme means https. */
    static String normalizeOrigin(String origin) {
        String o = origin.strip().toLowerCase(Locale.ROOT);
        if (!o.contains("://")) {
            o = "https://" + o;
        }
        return o.endsWith("/") ? o.substring(0, o.length() - 1) : o;
    }

    /** True when the page's origin is this server as the browser addressed it (the Host header). */
    static boolean sameOrigin(String origin, String host) {
        if (host == null) {
            return false;
        }
        try {
            URI o = new URI(origin);
            if (o.getHost() == null || o.getScheme() == null) {
                return false;
            }
            int defaultPort = o.getScheme().equalsIgnoreCase("https") ? 443 : 80;
            int originPort = o.getPort() < 0 ? defaultPort : o.getPort();
            URI h = new URI("http://" + host);
            int hostPort = h.getPort() < 0 ? defaultPort : h.getPort();
            return o.getHost().equalsIgnoreCase(h.getHost()) && originPort == hostPort;
        } catch (URISyntaxException e) {
            return false;
        }
    }

    /** True for a Host header naming localhost or a loopback address, with or without a port; true when absent. */
    static boolean isLoopbackHost(String host) {
        if (host == null || host.isEmpty() || isPlainLoopbackHost(host, "127.0.0.1") || isPlainLoopbackHost(host, "localhost")) {
            return true;
        }
        String name;
        try {
            name = new URI("http://" + host).getHost();
        } catch (URISyntaxException e) {
            return false;
        }
        if (name == null) {
            return false;
        }
        name = name.toLowerCase(Locale.ROOT);
        if (name.equals("localhost") || name.endsWith(".localhost")) {
            return true;
        }
        if (name.startsWith("[") && name.endsWith("]")) {
            name = name.substring(1, name.length() - 1);
        }
        return isIpLiteral(name) && isLoopback(name);
    }

    /** The common cases without parsing: {@code 127.0.0.1}, {@code localhost:8000}. */
    private static boolean isPlainLoopbackHost(String host, String name) {
        return host.startsWith(name) && (host.length() == name.length() || host.charAt(name.length()) == ':');
    }

    private static boolean isIpLiteral(String name) {
        return name.contains(":") || name.matches("\\d{1,3}(\\.\\d{1,3}){3}");
    }

    static boolean isLoopback(String address) {
        if (address == null) {
            return false;
        }
        if (address.startsWith("[") && address.endsWith("]")) {
            address = address.substring(1, address.length() - 1);
        }
        if (address.startsWith("127.") || address.equals("::1") || address.equals("0:0:0:0:0:0:0:1")) {
            return true;
        }
        try {
            return InetAddress.getByName(address).isLoopbackAddress(); // an IP literal: no lookup
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
