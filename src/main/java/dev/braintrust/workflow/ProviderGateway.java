package dev.braintrust.workflow;

import dev.braintrust.Config;
import dev.braintrust.Secret;
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
 */
public final class ProviderGateway implements ModelGateway {
    static final int ANTHROPIC_MAX_TOKENS = 4096;

    private final Config.ModelKeys keys;
    private final Duration timeout;
    private final Map<String, ChatModel> models = new ConcurrentHashMap<>();

    public ProviderGateway(Config.ModelKeys keys, Duration timeout) {
        this.keys = keys;
        this.timeout = timeout;
    }

    @Override
    public ChatResponse chat(ModelRoute route, ChatRequest request) {
        return models.computeIfAbsent(route.model(), m -> build(route)).chat(request);
    }

    @Override
    public ChatResponse chat(ModelRoute route, ChatRequest request, Consumer<WireRequest> sent) {
        return MeteredHttpClient.listen(sent, () -> chat(route, request));
    }

    private ChatModel build(ModelRoute route) {
        return switch (route.provider()) {
            case OPENAI -> OpenAiChatModel.builder()
                    .httpClientBuilder(http(keys.openAiBaseUrl()))
                    .baseUrl(keys.openAiBaseUrl())
                    .apiKey(reveal(keys.openAiKey()))
                    .modelName(route.providerModel())
                    .timeout(timeout)
                    .maxRetries(0)
                    .build();
            case ANTHROPIC -> AnthropicChatModel.builder()
                    .httpClientBuilder(http(keys.anthropicBaseUrl()))
                    .baseUrl(keys.anthropicBaseUrl())
                    .apiKey(reveal(keys.anthropicKey()))
                    .modelName(route.providerModel())
                    .maxTokens(ANTHROPIC_MAX_TOKENS)
                    .timeout(timeout)
                    .maxRetries(0)
                    .build();
            case GEMINI -> GoogleAiGeminiChatModel.builder()
                    .httpClientBuilder(new GeminiUsageRepair.Builder(http(keys.geminiBaseUrl())))
                    .baseUrl(keys.geminiBaseUrl())
                    .apiKey(reveal(keys.geminiKey()))
                    .modelName(route.providerModel())
                    .timeout(timeout)
                    .maxRetries(0)
                    .build();
            case OLLAMA -> OllamaChatModel.builder()
                    .httpClientBuilder(http(keys.ollamaBaseUrl()))
                    .baseUrl(keys.ollamaBaseUrl())
                    .modelName(route.providerModel())
                    .timeout(timeout)
                    .maxRetries(0)
                    .build();
        };
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
        return new MeteredHttpClient.Builder(new JdkHttpClientBuilder().httpClientBuilder(jdk));
    }

    private static String reveal(Secret secret) {
        return secret == null ? null : secret.reveal();
    }
}
