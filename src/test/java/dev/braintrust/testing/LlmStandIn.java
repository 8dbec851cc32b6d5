package dev.braintrust.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.Headers;

import javax.net.ServerSocketFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The one stand-in the tests allow: a local HTTP server (OkHttp MockWebServer) speaking the wire
 * protocol of each provider — OpenAI chat completions, Anthropic messages, Gemini
 * generateContent, Ollama /api/chat — so the real LangChain4j clients are exercised. A script
 * decides each answer from what the model received; every call is recorded, normalised, for
 * assertions.
 */
public final class LlmStandIn implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    public enum Wire { OPENAI, ANTHROPIC, GEMINI, OLLAMA }

    /** One message as the model received it: role (system, user, assistant, tool) and text. */
    public record Message(String role, String text) {
    }

    /**
     * What one model call received, whatever the provider.
     *
     * @param bodyBytes the size of the request body as it arrived, in bytes
     */
    public record Call(Wire wire, String model, String system, List<Message> messages, List<String> tools,
                       List<String> toolResults, Headers headers, JsonNode body, long bodyBytes) {
        /** The first user message: the agent's task. */
        public String task() {
            return messages.stream().filter(m -> m.role().equals("user")).map(Message::text).findFirst().orElse("");
        }

        public boolean taskContains(String text) {
            return task().contains(text);
        }
    }

    /**
     * An answer: text, tool calls, or an HTTP error; optionally after a delay. Its usage is reported
     * in the provider's own format (OpenAI {@code usage.prompt_tokens}, Anthropic
     * {@code usage.input_tokens}, Gemini {@code usageMetadata.promptTokenCount}, Ollama
     * {@code prompt_eval_count}), or left out of the reply altogether ({@link #withoutUsage()}).
     */
    public record Reply(String text, List<ToolCall> toolCalls, int status, String errorBody, long delayMillis,
                        int inputTokens, int outputTokens, boolean reportsUsage) {
        public static Reply text(String text) {
            return new Reply(text, List.of(), 200, null, 0, 11, 7, true);
        }

        public static Reply tool(String name, String argumentsJson) {
            return new Reply(null, List.of(new ToolCall(name, argumentsJson)), 200, null, 0, 13, 5, true);
        }

        public static Reply error(int status, String body) {
            return new Reply(null, List.of(), status, body, 0, 0, 0, false);
        }

        public Reply after(long millis) {
            return new Reply(text, toolCalls, status, errorBody, millis, inputTokens, outputTokens, reportsUsage);
        }

        /** The same answer reporting this usage. */
        public Reply usage(int input, int output) {
            return new Reply(text, toolCalls, status, errorBody, delayMillis, input, output, true);
        }

        /** The same answer with no usage in it at all, as some OpenAI-compatible servers answer. */
        public Reply withoutUsage() {
            return new Reply(text, toolCalls, status, errorBody, delayMillis, 0, 0, false);
        }
    }

    public record ToolCall(String name, String argumentsJson) {
    }

    private final MockWebServer server = new MockWebServer();
    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private final AtomicInteger ids = new AtomicInteger();
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile Function<Call, Reply> script = call -> Reply.text("ok");

    private volatile List<String> ollamaModels = List.of("llama3.2:latest");

    public LlmStandIn() {
        server.setServerSocketFactory(new NoDelayServerSockets());
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
                return answer(request);
            }
        });
        try {
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sets how the model answers from now on. */
    public LlmStandIn script(Function<Call, Reply> newScript) {
        this.script = newScript;
        return this;
    }

    public List<Call> calls() {
        return Collections.unmodifiableList(calls);
    }

    public int requestCount() {
        return calls.size();
    }

    /** The most requests that were being answered at the same moment. */
    public int maxConcurrent() {
        return maxInFlight.get();
    }

    public String openAiBaseUrl() {
        return server.url("/v1").toString();
    }

    public String anthropicBaseUrl() {
        return server.url("/v1/").toString();
    }

    public String geminiBaseUrl() {
        return server.url("/v1beta").toString();
    }

    public String ollamaBaseUrl() {
        return server.url("/").toString();
    }

    /** The variables that point every provider at this stand-in, with test keys. */
    public Map<String, String> env() {
        return Map.of(
                "OPENAI_API_KEY", "sk-test-openai", "OPENAI_BASE_URL", openAiBaseUrl(),
                "ANTHROPIC_API_KEY", "sk-ant-test", "ANTHROPIC_BASE_URL", anthropicBaseUrl(),
                "GEMINI_API_KEY", "gemini-test-key", "GEMINI_BASE_URL", geminiBaseUrl(),
                "OLLAMA_BASE_URL", ollamaBaseUrl());
    }

    private MockResponse answer(RecordedRequest request) throws InterruptedException {
        int now = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(now, Math::max);
        try {
            String path = request.getUrl().encodedPath();
            JsonNode body = JSON.readTree(request.getBody() == null ? "{}" : request.getBody().utf8());
            long bodyBytes = request.getBody() == null ? 0 : request.getBody().size();
            Call call;
            Wire wire;
            if (path.endsWith("/chat/completions")) {
                wire = Wire.OPENAI;
                call = openAiCall(body, request.getHeaders(), bodyBytes);
            } else if (path.endsWith("/messages")) {
                wire = Wire.ANTHROPIC;
                call = anthropicCall(body, request.getHeaders(), bodyBytes);
            } else if (path.contains(":generateContent")) {
                wire = Wire.GEMINI;
                String model = path.substring(path.lastIndexOf('/') + 1, path.indexOf(':'));
                call = geminiCall(model, body, request.getHeaders(), bodyBytes);
            } else if (path.endsWith("/api/chat")) {
                wire = Wire.OLLAMA;
                call = ollamaCall(body, request.getHeaders(), bodyBytes);
            } else if (path.endsWith("/api/tags")) {
                return ollamaTags();
            } else {
                return new MockResponse.Builder().code(404).body("{\"error\":\"no such endpoint " + path + "\"}").build();
            }
            calls.add(call);
            Reply reply = script.apply(call);
            if (reply.delayMillis() > 0 && closed.await(reply.delayMillis(), TimeUnit.MILLISECONDS)) {
                return new MockResponse.Builder().code(503).body("{\"error\":\"the stand-in is closing\"}").build();
            }
            if (reply.status() != 200) {
                return new MockResponse.Builder().code(reply.status()).setHeader("Content-Type", "application/json")
                        .body(reply.errorBody() == null ? "{\"error\":{\"message\":\"stand-in error\"}}" : reply.errorBody()).build();
            }
            String json = switch (wire) {
                case OPENAI -> openAiAnswer(call, reply);
                case ANTHROPIC -> anthropicAnswer(call, reply);
                case GEMINI -> geminiAnswer(reply);
                case OLLAMA -> ollamaAnswer(call, reply);
            };
            return new MockResponse.Builder().code(200).setHeader("Content-Type", "application/json").body(json).build();
        } catch (IOException e) {
            return new MockResponse.Builder().code(400).body("{\"error\":\"" + e.getMessage() + "\"}").build();
        } finally {
            inFlight.decrementAndGet();
        }
    }

    // ---- OpenAI chat completions -----------------------------------------------------------

    private static Call openAiCall(JsonNode body, Headers headers, long bodyBytes) {
        return chatMessagesCall(Wire.OPENAI, body, headers, bodyBytes);
    }

    /** A call in the chat-messages shape OpenAI and Ollama share: role/content messages, function tools. */
    private static Call chatMessagesCall(Wire wire, JsonNode body, Headers headers, long bodyBytes) {
        String system = null;
        List<Message> messages = new ArrayList<>();
        List<String> toolResults = new ArrayList<>();
        for (JsonNode m : body.path("messages")) {
            String role = m.path("role").asText();
            String text = contentText(m.get("content"));
            if (role.equals("system")) {
                system = text;
            } else {
                messages.add(new Message(role, text));
                if (role.equals("tool")) {
                    toolResults.add(text);
                }
            }
        }
        List<String> tools = new ArrayList<>();
        body.path("tools").forEach(t -> tools.add(t.path("function").path("name").asText()));
        return new Call(wire, body.path("model").asText(), system, messages, tools, toolResults, headers, body, bodyBytes);
    }

    private String openAiAnswer(Call call, Reply reply) {
        ObjectNode root = JSON.createObjectNode();
        root.put("id", "chatcmpl-" + ids.incrementAndGet());
        root.put("object", "chat.completion");
        root.put("created", 1_700_000_000);
        root.put("model", call.model());
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        if (reply.toolCalls().isEmpty()) {
            message.put("content", reply.text());
            choice.put("finish_reason", "stop");
        } else {
            message.putNull("content");
            ArrayNode toolCalls = message.putArray("tool_calls");
            for (ToolCall t : reply.toolCalls()) {
                ObjectNode tc = toolCalls.addObject();
                tc.put("id", "call_" + ids.incrementAndGet());
                tc.put("type", "function");
                tc.putObject("function").put("name", t.name()).put("arguments", t.argumentsJson());
            }
            choice.put("finish_reason", "tool_calls");
        }
        if (reply.reportsUsage()) {
            root.putObject("usage").put("prompt_tokens", reply.inputTokens()).put("completion_tokens", reply.outputTokens())
                    .put("total_tokens", reply.inputTokens() + reply.outputTokens());
        }
        return root.toString();
    }

    // ---- Anthropic messages ----------------------------------------------------------------

    private static Call anthropicCall(JsonNode body, Headers headers, long bodyBytes) {
        String system = contentText(body.get("system"));
        List<Message> messages = new ArrayList<>();
        List<String> toolResults = new ArrayList<>();
        for (JsonNode m : body.path("messages")) {
            String role = m.path("role").asText();
            JsonNode content = m.get("content");
            if (content != null && content.isArray()) {
                StringBuilder text = new StringBuilder();
                for (JsonNode block : content) {
                    switch (block.path("type").asText()) {
                        case "text" -> text.append(block.path("text").asText());
                        case "tool_result" -> {
                            String result = contentText(block.get("content"));
                            toolResults.add(result);
                            messages.add(new Message("tool", result));
                        }
                        default -> {
                        }
                    }
                }
                if (text.length() > 0) {
                    messages.add(new Message(role, text.toString()));
                }
            } else {
                messages.add(new Message(role, contentText(content)));
            }
        }
        List<String> tools = new ArrayList<>();
        body.path("tools").forEach(t -> tools.add(t.path("name").asText()));
        return new Call(Wire.ANTHROPIC, body.path("model").asText(), system, messages, tools, toolResults, headers, body,
                bodyBytes);
    }

    private String anthropicAnswer(Call call, Reply reply) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("id", "msg_" + ids.incrementAndGet());
        root.put("type", "message");
        root.put("role", "assistant");
        root.put("model", call.model());
        ArrayNode content = root.putArray("content");
        if (reply.toolCalls().isEmpty()) {
            content.addObject().put("type", "text").put("text", reply.text());
            root.put("stop_reason", "end_turn");
        } else {
            for (ToolCall t : reply.toolCalls()) {
                ObjectNode use = content.addObject();
                use.put("type", "tool_use");
                use.put("id", "toolu_" + ids.incrementAndGet());
                use.put("name", t.name());
                use.set("input", JSON.readTree(t.argumentsJson()));
            }
            root.put("stop_reason", "tool_use");
        }
        if (reply.reportsUsage()) {
            root.putObject("usage").put("input_tokens", reply.inputTokens()).put("output_tokens", reply.outputTokens());
        }
        return root.toString();
    }

    // ---- Gemini generateContent ------------------------------------------------------------

    private static Call geminiCall(String model, JsonNode body, Headers headers, long bodyBytes) {
        String system = partsText(body.path("systemInstruction").path("parts"));
        List<Message> messages = new ArrayList<>();
        List<String> toolResults = new ArrayList<>();
        for (JsonNode content : body.path("contents")) {
            String role = content.path("role").asText();
            StringBuilder text = new StringBuilder();
            for (JsonNode part : content.path("parts")) {
                if (part.has("text")) {
                    text.append(part.path("text").asText());
                } else if (part.has("functionResponse")) {
                    String result = part.path("functionResponse").path("response").toString();
                    toolResults.add(result);
                    messages.add(new Message("tool", result));
                }
            }
            if (text.length() > 0) {
                messages.add(new Message(role.equals("model") ? "assistant" : role, text.toString()));
            }
        }
        List<String> tools = new ArrayList<>();
        JsonNode declared = body.path("tools");
        for (JsonNode t : declared.isArray() ? declared : JSON.createArrayNode().add(declared)) {
            t.path("functionDeclarations").forEach(f -> tools.add(f.path("name").asText()));
        }
        return new Call(Wire.GEMINI, model, system, messages, tools, toolResults, headers, body, bodyBytes);
    }

    private static String geminiAnswer(Reply reply) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode candidate = root.putArray("candidates").addObject();
        ObjectNode content = candidate.putObject("content");
        content.put("role", "model");
        ArrayNode parts = content.putArray("parts");
        if (reply.toolCalls().isEmpty()) {
            parts.addObject().put("text", reply.text());
        } else {
            for (ToolCall t : reply.toolCalls()) {
                ObjectNode fc = parts.addObject().putObject("functionCall");
                fc.put("name", t.name());
                fc.set("args", JSON.readTree(t.argumentsJson()));
            }
        }
        candidate.put("finishReason", "STOP");
        if (reply.reportsUsage()) {
            root.putObject("usageMetadata").put("promptTokenCount", reply.inputTokens())
                    .put("candidatesTokenCount", reply.outputTokens())
                    .put("totalTokenCount", reply.inputTokens() + reply.outputTokens());
        }
        return root.toString();
    }

    // ---- Ollama /api/tags (the models it has) and /api/chat ----------------------------------

    /** The models the stand-in's Ollama says it has ({@code GET /api/tags}); by default {@code llama3.2:latest}. */
    public LlmStandIn ollamaModels(String... names) {
        ollamaModels = List.of(names);
        return this;
    }

    private MockResponse ollamaTags() {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode models = root.putArray("models");
        ollamaModels.forEach(name -> models.addObject().put("name", name).put("model", name).put("size", 2019393189L));
        return new MockResponse.Builder().code(200).setHeader("Content-Type", "application/json").body(root.toString()).build();
    }
    // ---- Ollama /api/chat ------------------------------------------------------------------

    /** Ollama's /api/chat request has the shape of OpenAI's chat completions. */
    private static Call ollamaCall(JsonNode body, Headers headers, long bodyBytes) {
        return chatMessagesCall(Wire.OLLAMA, body, headers, bodyBytes);
    }

    private static String ollamaAnswer(Call call, Reply reply) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("model", call.model());
        root.put("created_at", "2026-01-01T00:00:00Z");
        ObjectNode message = root.putObject("message");
        message.put("role", "assistant");
        if (reply.toolCalls().isEmpty()) {
            message.put("content", reply.text());
        } else {
            message.put("content", "");
            ArrayNode toolCalls = message.putArray("tool_calls");
            for (ToolCall t : reply.toolCalls()) {
                ObjectNode fn = toolCalls.addObject().putObject("function");
                fn.put("name", t.name());
                fn.set("arguments", JSON.readTree(t.argumentsJson()));
            }
        }
        root.put("done", true);
        root.put("done_reason", "stop");
        if (reply.reportsUsage()) {
            root.put("prompt_eval_count", reply.inputTokens());
            root.put("eval_count", reply.outputTokens());
        }
        return root.toString();
    }

    // ---- helpers ---------------------------------------------------------------------------

    private static String contentText(JsonNode content) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        if (content.isArray()) {
            StringBuilder text = new StringBuilder();
            for (JsonNode part : content) {
                if (part.isTextual()) {
                    text.append(part.asText());
                } else if (part.has("text")) {
                    text.append(part.path("text").asText());
                }
            }
            return text.toString();
        }
        return content.toString();
    }

    private static String partsText(JsonNode parts) {
        StringBuilder text = new StringBuilder();
        parts.forEach(p -> text.append(p.path("text").asText("")));
        return text.length() == 0 ? null : text.toString();
    }

    @Override
    public void close() {
        closed.countDown();
        server.close();
    }

    /**
     * Server sockets whose connections send without delay (TCP_NODELAY), as real provider endpoints
     * do: otherwise a response written as headers then body waits ~40 ms for the client's delayed
     * ACK (Nagle), and every model call of a benchmark would pay it.
     */
    private static final class NoDelayServerSockets extends ServerSocketFactory {
        @Override
        public ServerSocket createServerSocket() throws IOException {
            return new NoDelayServerSocket();
        }

        @Override
        public ServerSocket createServerSocket(int port) throws IOException {
            return createServerSocket(port, 50, null);
        }

        @Override
        public ServerSocket createServerSocket(int port, int backlog) throws IOException {
            return createServerSocket(port, backlog, null);
        }

        @Override
        public ServerSocket createServerSocket(int port, int backlog, InetAddress address) throws IOException {
            ServerSocket socket = new NoDelayServerSocket();
            socket.bind(new InetSocketAddress(address, port), backlog);
            return socket;
        }
    }

    private static final class NoDelayServerSocket extends ServerSocket {
        NoDelayServerSocket() throws IOException {
            super();
        }

        @Override
        public Socket accept() throws IOException {
            Socket socket = super.accept();
            socket.setTcpNoDelay(true);
            return socket;
        }
    }

    /** Waits (bounded) until {@code count} calls have arrived. */
    public void awaitCalls(int count, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (calls.size() < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("expected " + count + " model calls within " + timeoutMillis + " ms, got " + calls.size());
            }
            Thread.sleep(5);
        }
    }
}
