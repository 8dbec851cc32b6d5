package dev.braintrust.cli;

import dev.braintrust.home.InitReport;
import dev.braintrust.home.PaiHome;
import picocli.CommandLine.Command;

import java.nio.file.Path;

@Command(name = "init", mixinStandardHelpOptions = true,
        description = {"Create the home folder (context/, skills/, workflows/, logs/, state/) and copy the examples into it.",
                "Never overwrites a file you already have: run it again safely to get back a deleted example."})
final class InitCommand extends BaseCommand {
    @Override
    public Integer call() {
        InitReport report = new PaiHome(config().home()).init();
        Path home = report.home();
        report.blocked().forEach(p -> err().println("warning: " + home.relativize(p) + " is a folder, so the example file of "
                + "that name was not created; rename or remove the folder " + home.relativize(p) + "/ and run 'brain-trust init' again"));
        if (!report.createdAnything()) {
            out().println(report.blocked().isEmpty() ? "Brain Trust home at " + home + " is complete; nothing to create."
                    : "Brain Trust home at " + home + ": nothing else to create.");
            return Main.OK;
        }
        out().println("Brain Trust home at " + home + ":");
        report.created().forEach(p -> out().println("  created  " + home.relativize(p)));
        report.kept().forEach(p -> out().println("  kept     " + home.relativize(p) + " (yours, left as it is)"));
        out().println();
        out().println("Next: edit " + home.resolve("context") + "/MISSION.md, GOALS.md and BELIEFS.md,");
        out().println("then 'brain-trust context --prompt \"You are my research assistant\"' shows what an agent receives.");
        return Main.OK;
    }
}
