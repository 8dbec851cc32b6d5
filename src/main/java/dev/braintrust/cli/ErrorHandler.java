package dev.braintrust.cli;

import dev.braintrust.BrainTrustException;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.util.List;
import java.util.stream.Collectors;

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
        String name = cli.getCommandSpec().qualifiedName();
        if (e instanceof CommandLine.UnmatchedArgumentException unmatched && isUnknownCommand(unmatched, cli)) {
            List<String> commands = visibleSubcommands(cli);
            err.println("error: '" + unmatched.getUnmatched().get(0) + "' is not a " + name + " command");
            if (!unmatched.getSuggestions().isEmpty()) {
                // picocli lists the closest first; the others are often far off ("stauts": history, restore)
                err.println("Did you mean: " + name + " " + unmatched.getSuggestions().get(0) + "?");
            } else {
                err.println("The commands are: " + String.join(", ", commands) + ".");
            }
        } else {
            err.println("error: " + e.getMessage());
            if (e instanceof CommandLine.UnmatchedArgumentException unmatched && !unmatched.getSuggestions().isEmpty()) {
                err.println("Did you mean: " + unmatched.getSuggestions().stream().map(o -> name + " " + o)
                        .collect(Collectors.joining(" or ")) + "?");
            }
        }
        err.println("Try '" + name + " --help' for more information.");
        err.flush();
        return Main.BAD_INPUT;
    }

    /** An unmatched first word where a command takes subcommands and no positional arguments: a mistyped command. */
    private static boolean isUnknownCommand(CommandLine.UnmatchedArgumentException e, CommandLine cli) {
        CommandLine.Model.CommandSpec spec = cli.getCommandSpec();
        return !e.getUnmatched().isEmpty() && !spec.subcommands().isEmpty() && spec.positionalParameters().isEmpty()
                && !e.getUnmatched().get(0).startsWith("-");
    }

    private static List<String> visibleSubcommands(CommandLine cli) {
        return cli.getSubcommands().entrySet().stream()
                .filter(entry -> !entry.getValue().getCommandSpec().usageMessage().hidden())
                .map(java.util.Map.Entry::getKey).toList();
    }
}
