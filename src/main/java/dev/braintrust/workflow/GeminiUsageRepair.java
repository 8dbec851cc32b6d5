package dev.braintrust.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.langchain4j.exception.HttpException;
import dev.langchain4j.http.client.HttpClient;
import dev.langchain4j.http.client.HttpClientBuilder;
import dev.langchain4j.http.client.HttpRequest;
import dev.langchain4j.http.client.SuccessfulHttpResponse;
import dev.langchain4j.http.client.sse.ServerSentEventListener;
import dev.langchain4j.http.client.sse.ServerSentEventParser;

import java.io.IOException;

/**
 * Works around LangChain4j 1.11's Gemini client, which fails with a NullPointerException on a
 * generateContent answer that has no {@code usageMetadata} (Gemini leaves it out of some answers,
 * and Gemini-compatible servers may never send it): the answer would be lost for want of a token
 * count. An empty {@code usageMetadata} is added to such an answer, so the client reads it and
 * reports the usage as unknown. Answers that have one pass through untouched.
 */
final class GeminiUsageRepair implements HttpClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient delegate;

    private GeminiUsageRepair(HttpClient delegate) {
        this.delegate = delegate;
    }

    @Override
    public SuccessfulHttpResponse execute(HttpRequest request) throws HttpException {
        SuccessfulHttpResponse response = delegate.execute(request);
        String body = response.body();
        if (body == null || body.contains("\"usageMetadata\"")) {
            return response;
        }
        try {
            JsonNode root = JSON.readTree(body);
            if (!(root instanceof ObjectNode object) || !object.has("candidates")) {
                return response;
            }
            object.putObject("usageMetadata");
            return SuccessfulHttpResponse.builder().statusCode(response.statusCode()).headers(response.headers())
                    .body(JSON.writeValueAsString(object)).build();
        } catch (IOException e) {
            return response; // not JSON: the client reports that itself
        }
    }

    @Override
    public void execute(HttpRequest request, ServerSentEventParser parser, ServerSentEventListener listener) {
        delegate.execute(request, parser, listener);
    }

    /** Clients of this kind, over another builder's. */
    static HttpClientBuilder over(HttpClientBuilder delegate) {
        return new WrappingHttpClientBuilder(delegate, GeminiUsageRepair::new);
    }
}
