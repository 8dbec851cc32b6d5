package dev.braintrust.openai;

import dev.braintrust.BrainTrust;
import dev.braintrust.BrainTrustException;
import dev.braintrust.journal.RunRecord;
import dev.braintrust.journal.StepRecord;
import dev.braintrust.workflow.AgentNode;
import dev.braintrust.workflow.ChatTurn;
import dev.braintrust.workflow.Completion;
import dev.braintrust.workflow.RunHandle;
import dev.braintrust.workflow.RunService;
import dev.braintrust.workflow.Workflow;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/**
 * What a chat completion runs. {@code brain-trust} is one agent with the TELOS context and the skills
 * as tools, on BRAIN_TRUST_DEFAULT_MODEL; the conversation's system messages are its instructions and
 * the conversation is its task. {@code workflow/<name>} runs a saved workflow with the last user
 * message as the input of its entry agents. Both are runs, recorded with the context revision (source
 * {@code openai}), started in the background so that a client that goes away does not cancel them.
 * A front-end's housekeeping request (see {@link Housekeeping}) is one plain model call instead.
 */
final class Completions {
    static final String AGENT_MODEL = "brain-trust";
    static final String WORKFLOW_PREFIX = "workflow/";
    static final String SOURCE = "openai";
    static final String AGENT_RUN_NAME = "brain-trust (OpenAI-compatible chat)";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A finished completion; {@code error} is set when the run did not succeed. */
    record Answer(String text, int promptTokens, int completionTokens, String runId, String runStatus, String error) {
        boolean failed() {
            return error != null;
        }
    }

    /**
     * A completion under way.
     *
     * @param id       the completion's id, the same in every chunk of a stream
     * @param runId    the run it is, or null for a plain model call
     * @param revision the context revision the run was given, or null for a plain model call
     */
    record Pending(String id, String model, String runId, String revision, CompletableFuture<Answer> answer) {
    }

    private final BrainTrust bt;

    Completions(BrainTrust bt) {
        this.bt = bt;
    }

    /**
     * Starts the completion.
     *
     * @throws BrainTrustException.NotFound    for a model that is neither brain-trust nor a saved workflow
     * @throws BrainTrustException.BadInput    for a conversation without a user message, a bad workflow, a missing key
     * @throws BrainTrustException.Unavailable when the run database cannot store the run, or a plain call fails
     */
    Pending start(ChatRequest request) {
        RunService runs = bt.runs();
        if (Housekeeping.isHousekeeping(request)) {
            Completion c = runs.plainCompletion(request.turns());
            return new Pending("chatcmpl-" + randomId(), request.model(), null, null, CompletableFuture.completedFuture(
                    new Answer(c.text(), c.inputTokens(), c.outputTokens(), null, null, null)));
        }
        Workflow workflow;
        if (request.model().equals(AGENT_MODEL)) {
            workflow = Workflow.single(AGENT_RUN_NAME, new AgentNode("brain-trust", "Brain Trust", null, null,
                    instructions(request.turns()), task(request.turns()), null));
        } else if (request.model().startsWith(WORKFLOW_PREFIX)) {
            String name = request.model().substring(WORKFLOW_PREFIX.length());
            try {
                workflow = runs.loadSaved(name);
            } catch (BrainTrustException.NotFound e) {
                throw new BrainTrustException.NotFound("the model '" + request.model() + "' does not exist: there is no saved "
                        + "workflow '" + name + "'; GET /v1/models lists the models");
            }
            workflow = workflow.withInput(request.lastUserText());
        } else {
            throw new BrainTrustException.NotFound("the model '" + request.model() + "' does not exist: use brain-trust, or "
                    + "workflow/<name> for a saved workflow (GET /v1/models lists them)");
        }
        RunHandle handle = runs.start(workflow, SOURCE, null);
        return new Pending("chatcmpl-" + handle.id(), request.model(), handle.id(), handle.revision(),
                handle.result().thenApply(Completions::answer));
    }

    static Answer answer(RunRecord run) {
        int prompt = run.steps().stream().map(StepRecord::inputTokens).filter(Objects::nonNull).mapToInt(Integer::intValue).sum();
        int completion = run.steps().stream().map(StepRecord::outputTokens).filter(Objects::nonNull).mapToInt(Integer::intValue).sum();
        String text = run.finalOutput() == null ? "" : run.finalOutput();
        String error = run.succeeded() ? null : "the run " + run.id() + " " + run.status().label()
                + (run.error() == null ? "" : ": " + run.error());
        return new Answer(text, prompt, completion, run.id(), run.status().label(), error);
    }

    /** The system messages, which become the agent's instructions (after the TELOS block); null when there are none. */
    static String instructions(List<ChatTurn> turns) {
        String joined = turns.stream().filter(t -> t.role().equals(ChatTurn.SYSTEM)).map(t -> t.text().strip())
                .filter(t -> !t.isEmpty()).collect(Collectors.joining("\n\n"));
        return joined.isEmpty() ? null : joined;
    }

    /**
     * The agent's task: the last user message, after the conversation that led to it when there was
     * one (each earlier message under its speaker's heading).
     */
    static String task(List<ChatTurn> turns) {
        int current = -1;
        for (int i = turns.size() - 1; i >= 0; i--) {
            if (turns.get(i).role().equals(ChatTurn.USER)) {
                current = i;
                break;
            }
        }
        if (current < 0) {
            throw new BrainTrustException.BadInput("'messages' has no user message: send at least one {\"role\": \"user\", ...}");
        }
        StringBuilder history = new StringBuilder();
        for (int i = 0; i < current; i++) {
            ChatTurn turn = turns.get(i);
            if (!turn.role().equals(ChatTurn.SYSTEM)) {
                history.append("\n## ").append(turn.role().equals(ChatTurn.USER) ? "User" : "Assistant").append('\n')
                        .append(turn.text().strip()).append('\n');
            }
        }
        String now = turns.get(current).text().strip();
        if (history.length() == 0) {
            return now;
        }
        return "# CONVERSATION SO FAR\n" + history + "\n---\n\n# CURRENT MESSAGE\n" + now;
    }

    private static String randomId() {
        byte[] bytes = new byte[12];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
