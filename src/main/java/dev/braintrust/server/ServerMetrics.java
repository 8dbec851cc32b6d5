package dev.braintrust.server;

import dev.braintrust.context.ContextService;
import dev.braintrust.skills.SkillRunner;
import dev.braintrust.journal.ModelCallRecord;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * What {@code GET /metrics} exposes, in Prometheus text: HTTP requests by method, route and status
 * ({@code http_server_requests_seconds}), context loads and cache hits, skill runs by outcome, model
 * calls, tokens and cost by provider and model, and the JVM (memory, GC, threads, classes, CPU, uptime).
 */
public final class ServerMetrics implements AutoCloseable {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final Map<RequestKey, Timer> requestTimers = new ConcurrentHashMap<>();

    private record RequestKey(String method, String route, int status) {
    }

    ServerMetrics(ContextService context, SkillRunner skills) {
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        FunctionCounter.builder("braintrust.context.loads", context, ContextService::loadCount)
                .description("Context snapshots read from the source of truth").register(registry);
        FunctionCounter.builder("braintrust.context.cache.hits", context, ContextService::hitCount)
                .description("Context reads answered from the cached snapshot").register(registry);
        for (String outcome : SkillRunner.OUTCOMES) {
            FunctionCounter.builder("braintrust.skill.runs", skills, s -> s.runCount(outcome))
                    .description("Skill runs by outcome").tag("outcome", outcome).register(registry);
        }
    }

    /** The registry, for capabilities that add their own meters (sync, runs). */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /**
     * Counts one model call by provider and model: {@code braintrust_model_calls_total{usage}} (reported or
     * unknown), {@code braintrust_model_tokens_total{direction}} (reported tokens, input and output),
     * {@code braintrust_model_cost_total{currency}} (priced calls) and {@code braintrust_model_request_bytes_total}.
     */
    void recordModelCall(ModelCallRecord call) {
        String provider = call.provider();
        String model = call.model();
        Counter.builder("braintrust.model.calls").description("Model calls by provider, model, outcome and whether usage was reported")
                .tag("provider", provider).tag("model", model).tag("outcome", call.outcome())
                .tag("usage", call.usageReported() ? "reported" : "unknown").register(registry).increment();
        if (call.inputTokens() != null) {
            tokens(provider, model, "input").increment(call.inputTokens());
        }
        if (call.outputTokens() != null) {
            tokens(provider, model, "output").increment(call.outputTokens());
        }
        if (call.cost() != null) {
            Counter.builder("braintrust.model.cost").description("Cost of model calls, from prices.json (calls with reported usage)")
                    .tag("provider", provider).tag("model", model).tag("currency", call.currency() == null ? "" : call.currency())
                    .register(registry).increment(call.cost());
        }
        if (call.bytesSent() != null) {
            Counter.builder("braintrust.model.request.bytes").description("Bytes of request bodies sent to model providers")
                    .tag("provider", provider).tag("model", model).register(registry).increment(call.bytesSent());
        }
    }

    private Counter tokens(String provider, String model, String direction) {
        return Counter.builder("braintrust.model.tokens").description("Tokens as reported by the model providers")
                .tag("provider", provider).tag("model", model).tag("direction", direction).register(registry);
    }

    void recordRequest(String method, String route, int status, long nanos) {
        requestTimers.computeIfAbsent(new RequestKey(method, route, status), k -> Timer.builder("http.server.requests")
                        .description("HTTP requests by method, route and status")
                        .tag("method", k.method).tag("route", k.route).tag("status", Integer.toString(k.status))
                        .register(registry))
                .record(nanos, TimeUnit.NANOSECONDS);
    }

    String scrape() {
        return registry.scrape();
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
