package dev.braintrust.workflow;

/** An agent could not finish: the model call failed for good, or the tool-call rounds ran out. One line, for the user. */
final class AgentFailure extends RuntimeException {
    AgentFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
