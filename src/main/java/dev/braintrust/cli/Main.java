package dev.braintrust.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

import java.nio.file.Path;
import java.util.Map;

/** {@code brain-trust}: the command-line face of every service. Exit codes: 0 ok, 1 run failed, 2 bad input. */
@Command(name = "brain-trust",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {
                "Your personal, context-aware multi-agent AI server.",
                "Context (mission, goals, beliefs, identity) lives as Markdown in PAI_HOME/context/,",
                "your tools as executable scripts in PAI_HOME/skills/, and a journal of every run in PAI_HOME/logs/."},
        subcommands = {
                InitCommand.class,
                StatusCommand.class,
                ContextCommand.class,
                SkillsCommand.class,
                LogsCommand.class,
                ServeCommand.class,
                RunCommand.class,
                ChatCommand.class,
                EgressCommand.class,
                McpCommand.class,
                SyncCommand.class,
                PublishCommand.class,
                CloneCommand.class,
                SchedulesCommand.class,
                ApproveCommand.class,
                HistoryCommand.class,
                DiffCommand.class,
                RestoreCommand.class,
                PinCommand.class,
                UnpinCommand.class,
                ReplayCommand.class,
                CommandLine.HelpCommand.class},
        footer = {"", "Environment: PAI_HOME (default ~/.pai). See the README for every variable."})
public final class Main implements Runnable {
    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int BAD_INPUT = 2;

    final Map<String, String> env;

    @Option(names = "--home", scope = ScopeType.INHERIT, paramLabel = "<dir>",
            description = "The home folder (overrides PAI_HOME; default ~/.pai).")
    Path home;

    @Option(names = "--git-url", scope = ScopeType.INHERIT, paramLabel = "<url>",
            description = "Cloud mode: follow this git repository (overrides BRAIN_TRUST_GIT_URL). "
                    + "Put a token in BRAIN_TRUST_GIT_TOKEN, never in the URL: arguments show in process lists.")
    String gitUrl;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public Main(Map<String, String> env) {
        this.env = env;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** A command line wired with our exception handling, for {@link #main} and for tests. */
    public static CommandLine commandLine(Map<String, String> env) {
        CommandLine cli = new CommandLine(new Main(env));
        cli.setExecutionExceptionHandler(new ErrorHandler());
        cli.setParameterExceptionHandler(ErrorHandler::onBadParameters);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        java.util.Map<String, CommandLine.IHelpSectionRenderer> sections = cli.getHelpSectionMap();
        sections.put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_DESCRIPTION, new ReflowedDescription());
        cli.setHelpSectionMap(sections); // on every subcommand
        return cli;
    }

    public static void main(String[] args) {
        boolean serving = args.length > 0 && args[0].equals("serve");
        Map<String, String> env = dev.braintrust.Environment.ofProcess(); // with what the launcher handed over
        CommandLine cli = commandLine(env);
        if ("json".equalsIgnoreCase(env.get("BRAIN_TRUST_LOG_FORMAT"))) {
            Logging.json(cli, args); // read here, before Config, so even a configuration error is logged as JSON
        }
        if (!serving) {
            Logging.quiet();
        }
        int code = cli.execute(args);
        if (!serving || code != OK) {
            System.exit(code);
        }
    }
}
