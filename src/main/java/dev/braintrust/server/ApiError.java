package dev.braintrust.server;

/**
 * The body of every error response.
 *
 * @param error  the status in words, machine-readable: {@code not_found}, {@code bad_request}, ...
 * @param detail one line for the user saying what went wrong and what to do; never a stack trace or a secret
 */
public record ApiError(String error, String detail) {
}
