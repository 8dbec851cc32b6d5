package dev.braintrust.workflow;

import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;

import java.util.function.Consumer;

/**
 * The one seam between Brain Trust and model providers: sends a chat request (messages and the
 * tools on offer) to the model a route names. The rest of the code uses only this and the
 * provider-neutral types of {@code langchain4j-core}; the provider classes live in
 * {@link ProviderGateway}.
 *
 * <p>Failures are LangChain4j's exception tree: {@code RateLimitException} and
 * {@code InternalServerException} may be retried, the others not.
 */
public interface ModelGateway extends AutoCloseable {

    /** One model call, no retries. */
    ChatResponse chat(ModelRoute route, ChatRequest request);

    /**
     * As {@link #chat(ModelRoute, ChatRequest)}, reporting every HTTP request the call sends to
     * {@code sent} (its host and body size), also when the call then fails: the egress ledger.
     * A gateway that cannot measure its requests reports nothing; the ledger then says the bytes are unknown.
     */
    default ChatResponse chat(ModelRoute route, ChatRequest request, Consumer<WireRequest> sent) {
        return chat(route, request);
    }

    @Override
    default void close() {
    }
}
