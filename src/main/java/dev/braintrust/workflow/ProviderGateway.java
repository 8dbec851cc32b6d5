package dev.braintrust.workflow;

import dev.braintrust.Config;
import dev.braintrust.Secret;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.langchain4j.http.client.HttpClientBuilder;
import dev.langchain4j.http.client.jdk.JdkHttpClientBuilder;
import dev.langchain4j.model.anthropic.AnthropicChatModel;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.googleai.GoogleAiGeminiChatModel;
import dev.langchain4j.model.ollama.OllamaChatModel;
import dev.langchain4j.model.openai.OpenAiChatModel;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The model providers through LangChain4j: one client per model name, built on first use with
 * the keys and base URLs of the configuration and the per-call timeout. LangChain4j's own retries
 * are off: {@link AgentRunner} retries, so what is retried and how long it waits are ours.
 *
 * <p>Model names come from workflows, so there may be any number of them: the clients are kept in a
 * Caffeine cache of at most {@link #MAX_MODELS} (the least used go first), and all the models of a
 * provider share one HTTP client (one connection pool, one selector thread): a client dropped from
 * the cache holds nothing that needs closing. On Java 17 a JDK HttpClient has no {@code close()};
 * its selector thread ends once the client is unreachable, which {@link #close()} brings about.
 */
public final class ProviderGateway implements ModelGateway {
    static final int ANTHROPIC_MAX_TOKENS = 4096;
    static final int MAX_MODELS = 32;

    private final Config.ModelKeys keys;
    private final Duration timeout;
    private final Cache<String, ChatModel> models = Caffeine.newBuilder().maximumSize(MAX_MODELS).executor(Runnable::run).build();
    private final Map<Provider, SharedHttpClient> http = new ConcurrentHashMap<>();

    public ProviderGateway(Config.ModelKeys keys, Duration timeout) {
        this.keys = keys;
        this.timeout = timeout;
    }

    @Override
    public ChatResponse chat(ModelRoute route, ChatRequest request) {
        return models.get(route.provider().label() + ':' + route.providerModel(), m -> build(route)).chat(request);
    }

    /** How many model clients are kept now (at most {@link #MAX_MODELS}). */
    long cachedModels() {
        models.cleanUp();
        return models.estimatedSize();
    }

    @Override
    public void close() {
        models.invalidateAll();
        http.clear();
    }

    @Override
    public ChatResponse chat(ModelRoute route, ChatRequest request, Consumer<WireRequest> sent) {
        return MeteredHttpClient.listen(sent, () -> chat(route, request));
    }

    private ChatModel build(ModelRoute route) {
        return switch (route.provider()) {
            case OPENAI -> OpenAiChatModel.builder()
                    .httpClientBuilder(shared(Provider.OPENAI, keys.openAiBaseUrl()))
                    .baseUrl(keys.openAiBaseUrl())
                    .apiKey(reveal(keys.openAiKey()))
                    .modelName(route.providerModel())
                    .timeout(timeout)
                    .maxRetries(0)
                    .build();
            case ANTHROPIC -> AnthropicChatModel.builder()
                    .httpClientBuilder(shared(Provider.ANTHROPIC, keys.anthropicBaseUrl()))
                    .baseUrl(keys.anthropicBaseUrl())
                    .apiKey(reveal(keys.anthropicKey()))
                    .modelName(route.providerModel())
                    .maxTokens(ANTHROPIC_MAX_TOKENS)
                    .timeout(timeout)
                    .maxRetries(0)
                    .build();
            case GEMINI -> GoogleAiGeminiChatModel.builder()
                    .httpClientBuilder(shared(Provider.GEMINI, keys.geminiBaseUrl()))
                    .baseUrl(keys.geminiBaseUrl())
                    .apiKey(reveal(keys.geminiKey()))
                    .modelName(route.providerModel())
                    .timeout(timeout)
                    .maxRetries(0)
                    .build();
            case OLLAMA -> OllamaChatModel.builder()
                    .httpClientBuilder(shared(Provider.OLLAMA, keys.ollamaBaseUrl()))
                    .baseUrl(keys.ollamaBaseUrl())
                    .modelName(route.providerModel())
                    .timeout(timeout)
                    .maxRetries(0)
                    .build();
        };
    }

    /** Gemini's shared client also repairs answers without usage ({@link GeminiUsageRepair}). */
    private SharedHttpClient shared(Provider provider, String baseUrl) {
        return http.computeIfAbsent(provider, p -> new SharedHttpClient(
                p == Provider.GEMINI ? GeminiUsageRepair.over(http(baseUrl)) : http(baseUrl)));
    }

    /**
     * Plain-HTTP servers (local stand-ins, Ollama) get HTTP/1.1 without an h2c upgrade attempt.
     * Every client is metered, for the egress ledger.
     */
    private static HttpClientBuilder http(String baseUrl) {
        HttpClient.Builder jdk = HttpClient.newBuilder();
        if (baseUrl != null && baseUrl.startsWith("http://")) {
            jdk.version(HttpClient.Version.HTTP_1_1);
        }
        return MeteredHttpClient.over(new JdkHttpClientBuilder().httpClientBuilder(jdk));
    }

    /**
     * A LangChain4j HTTP client builder that builds once: every model of a provider gets the same
     * client (the timeouts are the gateway's, the same for all of them).
     */
    private static final class SharedHttpClient implements HttpClientBuilder {
        private final HttpClientBuilder builder;
        private dev.langchain4j.http.client.HttpClient client;

        SharedHttpClient(HttpClientBuilder builder) {
            this.builder = builder;
        }

        @Override
        public Duration connectTimeout() {
            return builder.connectTimeout();
        }

        @Override
        public HttpClientBuilder connectTimeout(Duration connectTimeout) {
            synchronized (this) {
                if (client == null) {
                    builder.connectTimeout(connectTimeout);
                }
            }
            return this;
        }

        @Override
        public Duration readTimeout() {
            return builder.readTimeout();
        }

        @Override
        public HttpClientBuilder readTimeout(Duration readTimeout) {
            synchronized (this) {
                if (client == null) {
                    builder.readTimeout(readTimeout);
                }
            }
            return this;
        }

        @Override
        public synchronized dev.langchain4j.http.client.HttpClient build() {
            if (client == null) {
                client = builder.build();
            }
            return client;
        }
    }

    private static String reveal(Secret secret) {
        return secret == null ? null : secret.reveal();
    }
}
