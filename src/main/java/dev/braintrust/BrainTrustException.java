package dev.braintrust;

/**
 * Root of the small exception tree every package throws. Messages are one line, written for
 * the user, and say what to do; they never contain secrets. The HTTP layer maps each subtype
 * to a status and the CLI to an exit code, so callers pick the subtype by what the caller of
 * the program can do about it.
 */
public class BrainTrustException extends RuntimeException {

    public BrainTrustException(String message) {
        super(message);
    }

    public BrainTrustException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The input (request, file, argument) is wrong; retrying the same input will fail again. HTTP 400, exit 2. */
    public static class BadInput extends BrainTrustException {
        public BadInput(String message) {
            super(message);
        }

        public BadInput(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** A named thing (skill, context file, run, workflow, log day) does not exist. HTTP 404, exit 2. */
    public static class NotFound extends BrainTrustException {
        public NotFound(String message) {
            super(message);
        }
    }

    /** The request conflicts with the state of the thing it names (a decision on an approval already decided). HTTP 409, exit 1. */
    public static class Conflict extends BrainTrustException {
        public Conflict(String message) {
            super(message);
        }
    }

    /** Something outside our control (remote, model provider, database) failed; retrying may help. HTTP 503, exit 1. */
    public static class Unavailable extends BrainTrustException {
        public Unavailable(String message) {
            super(message);
        }

        public Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The configuration is wrong; the program cannot start or do the job until it is fixed. Exit 2. */
    public static class BadConfig extends BrainTrustException {
        public BadConfig(String message) {
            super(message);
        }

        public BadConfig(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
