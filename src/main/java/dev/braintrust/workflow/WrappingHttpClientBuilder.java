package dev.braintrust.workflow;

import dev.langchain4j.http.client.HttpClient;
import dev.langchain4j.http.client.HttpClientBuilder;

import java.time.Duration;
import java.util.function.UnaryOperator;

/** Builds clients over another builder, each wrapped (metering, a provider's repair) around the one it builds. */
final class WrappingHttpClientBuilder implements HttpClientBuilder {
    private final HttpClientBuilder delegate;
    private final UnaryOperator<HttpClient> wrap;

    WrappingHttpClientBuilder(HttpClientBuilder delegate, UnaryOperator<HttpClient> wrap) {
        this.delegate = delegate;
        this.wrap = wrap;
    }

    @Override
    public Duration connectTimeout() {
        return delegate.connectTimeout();
    }

    @Override
    public WrappingHttpClientBuilder connectTimeout(Duration timeout) {
        delegate.connectTimeout(timeout);
        return this;
    }

    @Override
    public Duration readTimeout() {
        return delegate.readTimeout();
    }

    @Override
    public WrappingHttpClientBuilder readTimeout(Duration timeout) {
        delegate.readTimeout(timeout);
        return this;
    }

    @Override
    public HttpClient build() {
        return wrap.apply(delegate.build());
    }
}
