package dev.braintrust.cli;

import dev.braintrust.BrainTrustException;
import picocli.CommandLine;

import java.io.PrintWriter;

/** Turns exceptions into one line on stderr and a meaningful exit code; never a stack trace (unless BRAIN_TRUST_DEBUG is set). */
final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {

    @Override
    public int handleExecutionException(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
        PrintWriter err = cli.getErr();
        err.println("error: " + message(e));
        Main main = cli.getCommandSpec().root().userObject() instanceof Main m ? m : null;
        if (main != null && main.env.get("BRAIN_TRUST_DEBUG") != null) {
            e.printStackTrace(err);
        }
        err.flush();
        return exitCode(e);
    }

    static String message(Throwable e) {
        if (e instanceof BrainTrustException) {
            return e.getMessage();
        }
        return "unexpected " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage())
                + " (set BRAIN_TRUST_DEBUG=1 to see where)";
    }

    static int exitCode(Throwable e) {
        if (e instanceof BrainTrustException.BadInput || e instanceof BrainTrustException.NotFound
                || e instanceof BrainTrustException.BadConfig) {
            return Main.BAD_INPUT;
        }
        return Main.FAILED;
    }

    static int onBadParameters(CommandLine.ParameterException e, String[] args) {
        CommandLine cli = e.getCommandLine();
        PrintWriter err = cli.getErr();
        err.println("error: " + e.getMessage());
        err.println("Try '" + cli.getCommandSpec().qualifiedName() + " --help' for more information.");
        err.flush();
        return Main.BAD_INPUT;
    }
}
