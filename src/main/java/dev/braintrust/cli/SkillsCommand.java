package dev.braintrust.cli;

import dev.braintrust.BrainTrust;
import dev.braintrust.BrainTrustException;
import dev.braintrust.skills.Skill;
import dev.braintrust.skills.SkillParam;
import dev.braintrust.skills.SkillResult;
import dev.braintrust.skills.SkillRunner;
import dev.braintrust.skills.SkillVariable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

@Command(name = "skills", mixinStandardHelpOptions = true,
        description = "List your skills (executable scripts in PAI_HOME/skills/) or run one.",
        subcommands = {SkillsCommand.ListSkills.class, SkillsCommand.RunSkill.class})
final class SkillsCommand extends BaseCommand {
    @Override
    public Integer call() {
        return new ListSkills().print(this);
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the skills, their parameters and the scripts skipped (with why).")
    static final class ListSkills extends BaseCommand {
        @Override
        public Integer call() {
            return print(this);
        }

        int print(BaseCommand command) {
            try (BrainTrust bt = command.open(command.config())) {
                List<Skill> skills = bt.skills().list();
                if (skills.isEmpty()) {
                    command.out().println("No skills in " + bt.home().skills() + ". Add an executable script with a '# NAME:' header.");
                }
                for (Skill skill : skills) {
                    command.out().println(skill.name() + " — " + (skill.description().isEmpty() ? "(no description)" : skill.description()));
                    for (SkillParam p : skill.params()) {
                        command.out().println("    " + p.name() + " (" + p.type() + (p.required() ? "" : ", optional") + ")"
                                + (p.description().isEmpty() ? "" : " — " + p.description()));
                    }
                    List<SkillVariable> env = bt.skillRunner().variablesOf(skill);
                    if (!env.isEmpty()) {
                        command.out().println("    receives: " + env.stream().map(v -> v.name()
                                + (v.set() ? "" : " (not set on this server: the skill runs without it)"))
                                .collect(java.util.stream.Collectors.joining(", ")));
                    }
                }
                if (!skills.isEmpty()) {
                    command.out().println("Every skill also receives " + String.join(", ", SkillRunner.PASSED)
                            + ", LC_* (those that are set) and PAI_HOME; no other variable. Each run is contained in "
                            + (bt.skillRunner().isolationMode().equals("namespace") ? "a PID namespace" : "a session")
                            + " of its own, ended with all its processes.");
                }
                bt.skills().skipped().forEach(s -> command.out().println("skipped skills/" + s.file() + ": " + s.reason()));
                return Main.OK;
            }
        }
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = {"Run a skill with arguments given as name=value.",
                    "Example: brain-trust skills run calculator 'expression=2*(3+4)'"})
    static final class RunSkill extends BaseCommand {
        @Parameters(index = "0", paramLabel = "<name>", description = "The skill's name (see 'brain-trust skills list').")
        String name;

        @Parameters(index = "1..*", paramLabel = "name=value", description = "Arguments, one per parameter.")
        List<String> arguments = List.of();

        @Override
        public Integer call() {
            Map<String, String> args = parse(arguments);
            try (BrainTrust bt = open(config())) {
                Skill skill = bt.skills().find(name);
                SkillResult result = bt.skillRunner().run(skill, args);
                out().print(result.output());
                if (!result.output().isEmpty() && !result.output().endsWith("\n")) {
                    out().println();
                }
                out().flush();
                if (result.truncated()) {
                    err().println("note: output truncated at " + bt.config().skillOutputCap() + " bytes");
                }
                if (!result.ok()) {
                    err().println("error: " + result.failureSummary());
                    return Main.FAILED;
                }
                return Main.OK;
            }
        }

        static Map<String, String> parse(List<String> arguments) {
            Map<String, String> args = new LinkedHashMap<>();
            for (String argument : arguments) {
                int eq = argument.indexOf('=');
                if (eq <= 0) {
                    throw new BrainTrustException.BadInput("argument '" + argument + "' is not of the form name=value");
                }
                if (args.put(argument.substring(0, eq), argument.substring(eq + 1)) != null) {
                    throw new BrainTrustException.BadInput("argument '" + argument.substring(0, eq) + "' is given twice");
                }
            }
            return args;
        }
    }

}
