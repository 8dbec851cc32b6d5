package dev.braintrust.workflow;

/** A model call was not made because it would have gone over a budget; the message has the numbers. */
final class BudgetExceeded extends RuntimeException {
    BudgetExceeded(String message) {
        super(message, null, false, false);
    }
}
