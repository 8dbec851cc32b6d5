package dev.braintrust.cli;

import dev.braintrust.BrainTrust;
import dev.braintrust.Config;
import dev.braintrust.home.PaiHome;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** What every subcommand shares: the configuration, the output streams, opening the home. */
abstract class BaseCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    Main main() {
        return (Main) spec.root().userObject();
    }

    Config config() {
        Config config = Config.fromEnv(main().env);
        if (main().gitUrl != null) {
            config = config.withGit(main().gitUrl, config.gitBranch());
        }
        return main().home == null ? config : config.withHome(main().home);
    }

    /**
     * The configuration, in cloud mode when the home is a mirror even though this shell has no
     * BRAIN_TRUST_GIT_URL: it follows the repository and branch the mirror follows (a mirror is never
     * described or used as a local home). Credentials still come from the environment.
     */
    Config followingThisHome(Config config) {
        return dev.braintrust.truth.Sources.followingThisHome(config);
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** Opens the services; a home that does not exist yet is refused with the command that creates it. */
    BrainTrust open(Config config) {
        PaiHome home = new PaiHome(config.home());
        home.checkUsable();
        dev.braintrust.truth.Sources.requireHome(config, home);
        return BrainTrust.open(config);
    }

    /**
     * Opens the services, creating the home with examples first when it does not exist (serve, run).
     * In cloud mode the home is the repository's clone, never the examples: it is cloned by the first sync.
     */
    BrainTrust openCreatingHome(Config config) {
        PaiHome home = new PaiHome(config.home());
        dev.braintrust.truth.Sources.createHomeIfMissing(config, home).ifPresent(report -> {
            err().println("Created a new Brain Trust home at " + report.home() + " with example context, skills and workflows.");
            err().flush();
        });
        return BrainTrust.open(config);
    }
}
