package dev.braintrust.workflow;

import dev.langchain4j.exception.HttpException;
import dev.langchain4j.http.client.HttpClient;
import dev.langchain4j.http.client.HttpClientBuilder;
import dev.langchain4j.http.client.HttpRequest;
import dev.langchain4j.http.client.SuccessfulHttpResponse;
import dev.langchain4j.http.client.sse.ServerSentEventListener;
import dev.langchain4j.http.client.sse.ServerSentEventParser;

import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * The HTTP client under every LangChain4j model: it measures each request body as it is sent and
 * reports it to whoever is listening on the calling thread ({@link #listen}). LangChain4j's
 * synchronous chat sends its request on the caller's thread, so the thread ties a request to the
 * model call that made it.
 */
final class MeteredHttpClient implements HttpClient {
    private static final ThreadLocal<Consumer<WireRequest>> LISTENER = new ThreadLocal<>();
    private final HttpClient delegate;

    private MeteredHttpClient(HttpClient delegate) {
        this.delegate = delegate;
    }

    /** Runs {@code call} with every request it sends reported to {@code listener}. */
    static <T> T listen(Consumer<WireRequest> listener, java.util.function.Supplier<T> call) {
        Consumer<WireRequest> previous = LISTENER.get();
        LISTENER.set(listener);
        try {
            return call.get();
        } finally {
            if (previous == null) {
                LISTENER.remove();
            } else {
                LISTENER.set(previous);
            }
        }
    }

    @Override
    public SuccessfulHttpResponse execute(HttpRequest request) throws HttpException {
        try {
            SuccessfulHttpResponse response = delegate.execute(request);
            report(request, true);
            return response;
        } catch (RuntimeException e) {
            report(request, !neverConnected(e));
            throw e;
        }
    }

    @Override
    public void execute(HttpRequest request, ServerSentEventParser parser, ServerSentEventListener listener) {
        report(request, true);
        delegate.execute(request, parser, listener);
    }

    private static void report(HttpRequest request, boolean delivered) {
        Consumer<WireRequest> listener = LISTENER.get();
        if (listener != null) {
            long bytes = request.body() == null ? 0 : request.body().getBytes(StandardCharsets.UTF_8).length;
            listener.accept(new WireRequest(ModelDestinations.hostOf(request.url()), delivered ? bytes : 0, delivered));
        }
    }

    /** True when the request cannot have left the machine: no connection was ever made. */
    private static boolean neverConnected(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof HttpException) {
                return false; // the server answered, so it had the request
            }
            if (t instanceof ConnectException || t instanceof UnresolvedAddressException || t instanceof UnknownHostException) {
                return true;
            }
        }
        return false;
    }

    /** Clients of this kind, over another builder's. */
    static HttpClientBuilder over(HttpClientBuilder delegate) {
        return new WrappingHttpClientBuilder(delegate, MeteredHttpClient::new);
    }
}
