package dev.braintrust.truth;

import dev.braintrust.BrainTrustException;
import dev.braintrust.Config;
import dev.braintrust.home.InitReport;
import dev.braintrust.home.PaiHome;
import dev.braintrust.journal.Journal;
import dev.braintrust.sync.GitMirror;

import java.time.Clock;
import java.util.Optional;

/**
 * The one place that reads which source of truth a configuration names ({@link Config#cloudMode()}: a
 * BRAIN_TRUST_GIT_URL), for the composition root and for the commands that act before opening a home.
 */
public final class Sources {
    private Sources() {
    }

    /**
     * Opens the source of truth of a home.
     *
     * @param clientOfHome true for a process beside the server that owns the home (it never syncs; it follows)
     * @param onChange     runs after every change of the source (the context service's cache is dropped)
     */
    public static SourceOfTruth open(Config config, PaiHome home, Journal journal, Clock clock, boolean clientOfHome,
                                     Runnable onChange) {
        return config.cloudMode()
                ? new MirrorTruth(config, home, journal, clock, clientOfHome, onChange)
                : new FolderTruth(config, home, clock, onChange);
    }

    /**
     * The configuration, following the repository and branch a mirror follows when the home is one even though
     * this shell has no BRAIN_TRUST_GIT_URL (a mirror is never described or used as a local home). Credentials
     * still come from the environment.
     */
    public static Config followingThisHome(Config config) {
        if (config.cloudMode()) {
            return config;
        }
        return GitMirror.followedBy(config.home()).map(f -> config.withGit(f.url(), f.branch())).orElse(config);
    }

    /**
     * Refuses a home that does not exist yet, with the command that creates it. A mirror's home needs nothing:
     * the first sync clones it.
     */
    public static void requireHome(Config config, PaiHome home) {
        if (!home.isInitialized() && !config.cloudMode()) {
            throw new BrainTrustException.BadConfig("no Brain Trust home at " + home.root()
                    + "; run 'brain-trust init' to create one with examples (or set PAI_HOME)");
        }
    }

    /**
     * Creates a missing local home with the examples (serve, run); a mirror's home is the repository's clone,
     * never the examples, so nothing is created for it.
     *
     * @return what was created, or empty when nothing was
     */
    public static Optional<InitReport> createHomeIfMissing(Config config, PaiHome home) {
        if (home.isInitialized() || config.cloudMode()) {
            return Optional.empty();
        }
        return Optional.of(home.init());
    }

    /**
     * Refuses a command that needs a repository to follow when the configuration names none.
     *
     * @param whyNot the command's own sentence: what it is for and what to do instead
     */
    public static void requireRepository(Config config, String whyNot) {
        if (!config.cloudMode()) {
            throw new BrainTrustException.BadConfig(whyNot);
        }
    }
}
