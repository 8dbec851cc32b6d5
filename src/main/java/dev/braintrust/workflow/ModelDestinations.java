package dev.braintrust.workflow;

import dev.braintrust.Config;
import dev.braintrust.context.Privacy;

import java.net.URI;
import java.util.List;
import java.util.Locale;

/**
 * Decides, per model route, which server its calls go to and whether that server counts as the
 * user's own (so it may receive {@code privacy: local} context files):
 * <ul>
 *   <li>an Ollama model ({@code ollama:*}) whose OLLAMA_BASE_URL is on loopback ({@code localhost},
 *       {@code 127.x.x.x}, {@code ::1}) — this machine;</li>
 *   <li>an Ollama or OpenAI-compatible model whose base URL's host (or {@code host:port}) is listed in
 *       BRAIN_TRUST_LOCAL_MODEL_HOSTS — the user's own network, by the user's word.</li>
 * </ul>
 * Nothing else is local: not an OpenAI-compatible server on loopback that is not listed (it may be a
 * proxy to a cloud provider), and never Anthropic or Gemini. Host names are compared as written,
 * never resolved, so the decision does not depend on DNS.
 */
public final class ModelDestinations {
    static final String OPENAI_DEFAULT = "https://api.openai.com/v1";
    static final String ANTHROPIC_DEFAULT = "https://api.anthropic.com/v1";
    static final String GEMINI_DEFAULT = "https://generativelanguage.googleapis.com/v1beta";

    private final Config.ModelKeys keys;
    private final List<String> localHosts;

    public ModelDestinations(Config.ModelKeys keys, List<String> localHosts) {
        this.keys = keys;
        this.localHosts = localHosts.stream().map(h -> h.strip().toLowerCase(Locale.ROOT)).toList();
    }

    public Destination of(ModelRoute route) {
        String baseUrl = switch (route.provider()) {
            case OPENAI -> keys.openAiBaseUrl() != null ? keys.openAiBaseUrl() : OPENAI_DEFAULT;
            case ANTHROPIC -> keys.anthropicBaseUrl() != null ? keys.anthropicBaseUrl() : ANTHROPIC_DEFAULT;
            case GEMINI -> keys.geminiBaseUrl() != null ? keys.geminiBaseUrl() : GEMINI_DEFAULT;
            case OLLAMA -> keys.ollamaBaseUrl() != null ? keys.ollamaBaseUrl() : Config.DEFAULT_OLLAMA_BASE_URL;
        };
        String host = hostOf(baseUrl);
        String bareHost = bare(host);
        boolean local = switch (route.provider()) {
            case OLLAMA -> isLoopback(bareHost) || listed(host, bareHost);
            case OPENAI -> keys.openAiBaseUrl() != null && listed(host, bareHost);
            case ANTHROPIC, GEMINI -> false;
        };
        return new Destination(host, local ? Privacy.LOCAL : Privacy.PUBLIC);
    }

    private boolean listed(String host, String bareHost) {
        return localHosts.contains(host) || localHosts.contains(bareHost);
    }

    /** {@code host} or {@code host:port} of a URL, lower-cased; the URL itself when it cannot be parsed. */
    static String hostOf(String url) {
        try {
            URI uri = URI.create(url.strip());
            if (uri.getHost() == null) {
                return url.strip().toLowerCase(Locale.ROOT);
            }
            String host = uri.getHost().toLowerCase(Locale.ROOT);
            return uri.getPort() < 0 ? host : host + ":" + uri.getPort();
        } catch (IllegalArgumentException e) {
            return url.strip().toLowerCase(Locale.ROOT);
        }
    }

    /** The host without its port ({@code [::1]:11434} → {@code [::1]}). */
    private static String bare(String host) {
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            return end < 0 ? host : host.substring(0, end + 1);
        }
        int colon = host.lastIndexOf(':');
        return colon < 0 || host.indexOf(':') != colon ? host : host.substring(0, colon);
    }

    static boolean isLoopback(String host) {
        return host.equals("localhost") || host.equals("[::1]") || host.equals("::1")
                || host.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
    }
}
