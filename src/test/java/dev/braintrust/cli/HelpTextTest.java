package dev.braintrust.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Help as a user reads it in an 80-column terminal. */
class HelpTextTest {
    static List<CommandLine> everyCommand(CommandLine cli) {
        List<CommandLine> all = new ArrayList<>(List.of(cli));
        cli.getSubcommands().values().stream().distinct().forEach(sub -> all.addAll(everyCommand(sub)));
        return all;
    }

    @Test
    void every_description_is_wrapped_as_whole_paragraphs_not_cut_line_by_line() {
        List<CommandLine> commands = everyCommand(Main.commandLine(Map.of()));
        assertThat(commands).hasSizeGreaterThan(25);
        for (CommandLine command : commands) {
            String[] source = command.getCommandSpec().usageMessage().description();
            String usage = command.getUsageMessage().replace("\r\n", "\n");
            List<String> lines = ReflowedDescription.lines(source, 80);
            assertThat(usage).as(command.getCommandName()).contains(String.join("\n", lines));
            for (int i = 0; i + 1 < lines.size(); i++) {
                String line = lines.get(i);
                String next = lines.get(i + 1);
                if (!line.isEmpty() && !Character.isWhitespace(line.charAt(0)) && !next.isEmpty() && !Character.isWhitespace(next.charAt(0))) {
                    assertThat(line.length()).as("%s: '%s' is followed by '%s', which would have fitted", command.getCommandName(), line, next)
                            .isLessThanOrEqualTo(80).isGreaterThan(80 - 1 - next.split(" ")[0].length());
                }
            }
        }
    }

    @Test
    void a_paragraph_joins_its_source_lines_and_an_indented_line_stays_as_written() {
        List<String> lines = ReflowedDescription.lines(new String[]{"The versions of context/, skills/ and workflows/, newest first: when, what made them (edit,",
                "restore, a commit).", "  brain-trust diff <from>       from a version to the home as it is now", "", "Next."}, 80);
        assertThat(lines).containsExactly(
                "The versions of context/, skills/ and workflows/, newest first: when, what made",
                "them (edit, restore, a commit).",
                "  brain-trust diff <from>       from a version to the home as it is now",
                "",
                "Next.");
    }
}
