package dev.braintrust.workflow;

import dev.braintrust.journal.ModelCallRecord;
import dev.braintrust.journal.ToolCallRecord;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.ChatMessageDeserializer;
import dev.langchain4j.data.message.ChatMessageSerializer;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.AuthenticationException;
import dev.langchain4j.exception.HttpException;
import dev.langchain4j.exception.InternalServerException;
import dev.langchain4j.exception.InvalidRequestException;
import dev.langchain4j.exception.ModelNotFoundException;
import dev.langchain4j.exception.RateLimitException;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.TokenUsage;

import java.net.ConnectException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Runs one agent: a system prompt and a task, then as many tool-call rounds as the model asks
 * for (at most {@code maxToolRounds}), each tool call run through the skills. Model calls answered
 * 429 or 5xx are retried with exponential backoff.
 */
final class AgentRunner {
    static final int ERROR_EXCERPT_CHARS = 300;

    /** What the runner reports while it works, so a failed step still records what happened. */
    interface Progress {
        /**
         * Before every model call, retries included.
         *
         * @param estimatedInputTokens what the call is about to send, in characters / 4
         * @throws BudgetExceeded when the call would go over a budget: the agent stops without making it
         */
        void beforeModelCall(int estimatedInputTokens);

        /** After every model call that was attempted, whether it succeeded or not: the egress ledger. */
        void modelCalled(CallReport report);

        void toolCalled(ToolCallRecord call);
    }

    /**
     * One model call as the runner saw it.
     *
     * @param usage                 as the provider reported it; null when it reported nothing (or the call failed)
     * @param sent                  the HTTP requests it put on the wire (empty when the gateway cannot tell)
     * @param toolResults           the tool results its messages carried back to the model
     * @param estimatedInputTokens  characters / 4 of its messages
     * @param estimatedOutputTokens characters / 4 of the answer (0 when it failed)
     * @param failed                true when it ended in an error
     */
    record CallReport(TokenUsage usage, List<WireRequest> sent, List<ModelCallRecord.ToolResultRef> toolResults,
                      int estimatedInputTokens, int estimatedOutputTokens, boolean failed) {
        CallReport {
            sent = List.copyOf(sent);
            toolResults = List.copyOf(toolResults);
        }
    }

    private final ModelGateway gateway;
    private final SkillTools tools;
    private final int maxToolRounds;
    private final int maxRetries;
    private final Duration backoff;
    private final Duration modelTimeout;
    private final UnaryOperator<String> redact;
    private final Function<Provider, String> baseUrls;

    /** @param baseUrls where each provider's calls go, to name it when it cannot be reached */
    AgentRunner(ModelGateway gateway, SkillTools tools, int maxToolRounds, int maxRetries, Duration backoff,
                Duration modelTimeout, UnaryOperator<String> redact, Function<Provider, String> baseUrls) {
        this.baseUrls = baseUrls;
        this.gateway = gateway;
        this.tools = tools;
        this.maxToolRounds = maxToolRounds;
        this.maxRetries = maxRetries;
        this.backoff = backoff;
        this.modelTimeout = modelTimeout;
        this.redact = redact;
    }

    /**
     * @return the agent's final answer
     * @throws AgentFailure         when a model call fails for good or the tool rounds run out
     * @throws CancelledException   when the thread is interrupted (the run was cancelled or timed out)
     * @throws BudgetExceeded       when the next model call would go over a budget
     * @throws ApprovalNeeded       when the model called a skill that needs a human's approval: the
     *                              conversation so far, to {@link #resume} with once it is decided
     */
    String run(ModelRoute route, String systemPrompt, String task, Progress progress) {
        List<ChatMessage> messages = new ArrayList<>();
        messages.add(SystemMessage.from(systemPrompt));
        messages.add(UserMessage.from(task));
        return converse(route, messages, 0, progress);
    }

    /**
     * Goes on with a conversation that stopped for an approval: the pending skill call runs (approved) or
     * returns the human's refusal to the model (rejected), then the agent carries on as in {@link #run}.
     */
    String resume(ModelRoute route, Checkpoint checkpoint, boolean approved, String note, Progress progress) {
        List<ChatMessage> messages = new ArrayList<>(checkpoint.messages());
        AiMessage answer = lastAnswer(messages);
        ToolExecutionRequest pending = answer.toolExecutionRequests().get(checkpoint.next());
        SkillTools.Call call = approved ? tools.execute(pending) : SkillTools.rejectedByHuman(pending, note);
        if (approved && note != null && !note.isBlank()) {
            call = new SkillTools.Call(call.result() + "\n\n(Note from the human who approved this call: " + note.strip() + ")",
                    call.record());
        }
        progress.toolCalled(call.record());
        messages.add(ToolExecutionResultMessage.from(pending, call.result()));
        runTools(answer, checkpoint.next() + 1, messages, checkpoint.round(), progress);
        return converse(route, messages, checkpoint.round() + 1, progress);
    }

    private String converse(ModelRoute route, List<ChatMessage> messages, int firstRound, Progress progress) {
        List<ToolSpecification> offered = tools.specifications();
        for (int round = firstRound; ; round++) {
            ChatResponse response = call(route, ChatRequest.builder().messages(messages).toolSpecifications(offered).build(), progress);
            AiMessage answer = response.aiMessage();
            if (answer == null || !answer.hasToolExecutionRequests()) {
                return answer == null || answer.text() == null ? "" : answer.text();
            }
            if (round >= maxToolRounds) {
                throw new AgentFailure("the model still asked for tools after " + maxToolRounds
                        + " rounds of tool calls (BRAIN_TRUST_MAX_TOOL_ROUNDS); it was stopped", null);
            }
            messages.add(answer);
            runTools(answer, 0, messages, round, progress);
        }
    }

    /** Runs the answer's tool calls from {@code from} on; stops with {@link ApprovalNeeded} at one that needs a human. */
    private void runTools(AiMessage answer, int from, List<ChatMessage> messages, int round, Progress progress) {
        List<ToolExecutionRequest> requests = answer.toolExecutionRequests();
        for (int i = from; i < requests.size(); i++) {
            checkInterrupted();
            ToolExecutionRequest request = requests.get(i);
            if (tools.needsApproval(request)) {
                throw new ApprovalNeeded(new Checkpoint(List.copyOf(messages), round, i), SkillTools.describe(request));
            }
            SkillTools.Call call = tools.execute(request);
            progress.toolCalled(call.record());
            messages.add(ToolExecutionResultMessage.from(request, call.result()));
        }
        if (round + 1 == maxToolRounds) {
            messages.add(UserMessage.from("You have used all " + maxToolRounds
                    + " rounds of tool calls. Answer now with what you have, without calling a tool."));
        }
    }

    private static AiMessage lastAnswer(List<ChatMessage> messages) {
        for (int i = messages.size() - 1; i >= 0; i--) {
            if (messages.get(i) instanceof AiMessage ai && ai.hasToolExecutionRequests()) {
                return ai;
            }
        }
        throw new IllegalStateException("a checkpoint always holds the answer that asked for the tool");
    }

    /**
     * A conversation stopped before a tool call: the messages so far (the last answer with tool calls among
     * them, and the results of its calls before the pending one), the tool round, and the pending call's index.
     */
    record Checkpoint(List<ChatMessage> messages, int round, int next) {
        Checkpoint {
            messages = List.copyOf(messages);
        }

        String toJson() {
            com.fasterxml.jackson.databind.node.ObjectNode node = dev.braintrust.Json.mapper().createObjectNode();
            node.put("round", round);
            node.put("next", next);
            node.put("messages", ChatMessageSerializer.messagesToJson(messages));
            return node.toString();
        }

        static Checkpoint fromJson(String json) {
            try {
                com.fasterxml.jackson.databind.JsonNode node = dev.braintrust.Json.mapper().readTree(json);
                return new Checkpoint(ChatMessageDeserializer.messagesFromJson(node.path("messages").asText()),
                        node.path("round").asInt(), node.path("next").asInt());
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException("a stored checkpoint is not JSON", e);
            }
        }
    }

    /** The model called a skill that a human must approve first; the run parks the step until they decide. */
    static final class ApprovalNeeded extends RuntimeException {
        final transient Checkpoint checkpoint;
        final String subject;

        ApprovalNeeded(Checkpoint checkpoint, String subject) {
            super("waiting for approval of " + subject, null, false, false);
            this.checkpoint = checkpoint;
            this.subject = subject;
        }
    }

    private ChatResponse call(ModelRoute route, ChatRequest request, Progress progress) {
        List<ChatMessage> messages = request.messages();
        int estimate = estimateTokens(messages);
        List<ModelCallRecord.ToolResultRef> toolResults = toolResults(messages);
        for (int attempt = 1; ; attempt++) {
            checkInterrupted();
            progress.beforeModelCall(estimate);
            List<WireRequest> sent = new ArrayList<>(1);
            try {
                ChatResponse response = gateway.chat(route, request, sent::add);
                progress.modelCalled(new CallReport(response.tokenUsage(), sent, toolResults, estimate,
                        response.aiMessage() == null ? 0 : estimateTokens(List.of(response.aiMessage())), false));
                return response;
            } catch (RuntimeException e) {
                progress.modelCalled(new CallReport(null, sent, toolResults, estimate, 0, true));
                if (e instanceof RateLimitException || e instanceof InternalServerException) {
                    if (attempt > maxRetries) {
                        throw new AgentFailure(describe(route, e, attempt), e);
                    }
                    sleep(backoff.multipliedBy(1L << Math.min(attempt - 1, 10)));
                    continue;
                }
                if (Thread.currentThread().isInterrupted() || rootCause(e) instanceof InterruptedException) {
                    throw new CancelledException();
                }
                throw new AgentFailure(describe(route, e, attempt), e);
            }
        }
    }

    /** Characters / 4, rounded up: the usual rough count of tokens, for budgets before a call is made. */
    static int estimateTokens(List<ChatMessage> messages) {
        long chars = 0;
        for (ChatMessage m : messages) {
            if (m instanceof SystemMessage s) {
                chars += s.text().length();
            } else if (m instanceof UserMessage u) {
                chars += u.hasSingleText() ? u.singleText().length() : u.toString().length();
            } else if (m instanceof AiMessage a) {
                chars += a.text() == null ? 0 : a.text().length();
                if (a.hasToolExecutionRequests()) {
                    for (ToolExecutionRequest r : a.toolExecutionRequests()) {
                        chars += r.name().length() + (r.arguments() == null ? 0 : r.arguments().length());
                    }
                }
            } else if (m instanceof ToolExecutionResultMessage t) {
                chars += t.text() == null ? 0 : t.text().length();
            }
        }
        return (int) Math.min(Integer.MAX_VALUE, (chars + 3) / 4);
    }

    private static List<ModelCallRecord.ToolResultRef> toolResults(List<ChatMessage> messages) {
        List<ModelCallRecord.ToolResultRef> results = new ArrayList<>();
        for (ChatMessage m : messages) {
            if (m instanceof ToolExecutionResultMessage t) {
                results.add(new ModelCallRecord.ToolResultRef(t.toolName(),
                        t.text() == null ? 0 : t.text().getBytes(StandardCharsets.UTF_8).length));
            }
        }
        return results;
    }

    private String describe(ModelRoute route, RuntimeException e, int attempts) {
        String provider = route.provider().title();
        String tries = attempts == 1 ? "" : " after " + attempts + " attempts";
        Throwable root = rootCause(e);
        String detail = e instanceof HttpException http ? http.statusCode() + " " + excerpt(http.getMessage())
                : root instanceof HttpException http ? http.statusCode() + " " + excerpt(http.getMessage())
                : excerpt(root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage());
        String line;
        if (e instanceof AuthenticationException) {
            line = provider + " refused the credentials (" + detail + "): check "
                    + (route.provider().keyVariable() == null ? "the server" : route.provider().keyVariable());
        } else if (e instanceof ModelNotFoundException) {
            line = provider + " does not know the model '" + route.providerModel() + "' (" + detail + ")"
                    + (route.provider() == Provider.OLLAMA ? ": run 'ollama pull " + route.providerModel() + "' where Ollama runs" : "");
        } else if (e instanceof RateLimitException) {
            line = provider + " kept answering 429 (rate limited)" + tries + ": " + detail;
        } else if (e instanceof InternalServerException) {
            line = provider + " failed with a server error" + tries + ": " + detail;
        } else if (e instanceof InvalidRequestException) {
            line = provider + " rejected the request: " + detail;
        } else if (root instanceof HttpTimeoutException || e instanceof dev.langchain4j.exception.TimeoutException) {
            line = provider + " did not answer within " + RunService.human(modelTimeout) + " (BRAIN_TRUST_MODEL_TIMEOUT)";
        } else if (hasCause(e, ConnectException.class) || hasCause(e, UnresolvedAddressException.class)) {
            line = "cannot reach " + provider + " at " + baseUrls.apply(route.provider()) + " (" + route.provider().baseUrlVariable()
                    + "): " + (route.provider() == Provider.OLLAMA ? "is Ollama running there ('ollama serve')?"
                    : "is the server running and " + route.provider().baseUrlVariable() + " right?");
        } else {
            line = provider + " call failed: " + detail;
        }
        return redact.apply(line);
    }

    private static String excerpt(String text) {
        if (text == null) {
            return "";
        }
        String one = text.replaceAll("\\s+", " ").strip();
        return one.length() <= ERROR_EXCERPT_CHARS ? one : one.substring(0, ERROR_EXCERPT_CHARS) + "…";
    }

    private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private static Throwable rootCause(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root;
    }

    private static void sleep(Duration delay) {
        try {
            Thread.sleep(delay.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancelledException();
        }
    }

    private static void checkInterrupted() {
        if (Thread.currentThread().isInterrupted()) {
            throw new CancelledException();
        }
    }

    /** The run this agent belongs to was stopped (cancelled, timed out, shut down). */
    static final class CancelledException extends RuntimeException {
        CancelledException() {
            super("stopped", null, false, false);
        }
    }
}
